"""Keeping people's work anchored when a document version is read again.

A new run of the pipeline over the same file (a new pipeline version, OCR that now reads a
page, a fixed parser) produces new passages, recommendations and findings. People's codes,
memos and decisions hang on the previous run's rows, so the new rows are matched with the
old ones instead of replacing them:

1. ``match_units``: a new unit takes the identity of an old one with the same text (after
   normalising whitespace and case), the nearest in position where the text repeats; then
   a remaining new unit takes the identity of the remaining old unit that overlaps it
   (offsets scaled to the new text's length) with the most similar text, if similar
   enough (``SIMILAR``). What is left over old can no longer be placed.
2. ``map_span``: a character span of the old text (a coded selection, a personal-data
   flag, a dataset quote) is placed in the new text where the same characters occur,
   nearest to where they were; None when they occur nowhere.

Framework-free: the Django side stores what these return.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

# How alike two texts must be (difflib ratio, 0..1) for a changed unit to be taken as the
# same unit edited rather than a different one: a corrected OCR line or a re-joined
# hyphenation stays well above it; a different paragraph at the same place falls below.
SIMILAR = 0.6


@dataclass(frozen=True)
class Anchor:
    """A unit's text and its span in its version's text."""

    text: str
    start: int
    end: int


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def similarity(a: str, b: str, at_least: float = SIMILAR) -> float:
    """How alike two texts are (difflib's ratio), or 0.0 when below ``at_least``: the cheap
    upper bounds are checked first, so unlike pairs cost almost nothing."""
    left, right = normalise(a), normalise(b)
    if left == right:
        return 1.0
    total = len(left) + len(right)
    if not total or 2 * min(len(left), len(right)) / total < at_least:
        return 0.0  # the ratio can never exceed this length bound
    matcher = SequenceMatcher(None, left, right, autojunk=False)
    if matcher.quick_ratio() < at_least:
        return 0.0
    value = matcher.ratio()
    return value if value >= at_least else 0.0


def match_units(old: Sequence[Anchor], new: Sequence[Anchor], *, old_length: int = 0,
                new_length: int = 0) -> dict[int, int]:
    """{position in ``new``: position in ``old``} for the new units that are old ones.
    ``old_length``/``new_length`` (the two texts' lengths) scale positions when text was
    added or removed; equal (or 0) means offsets compare as they are."""
    scale = new_length / old_length if old_length and new_length else 1.0
    out: dict[int, int] = {}
    by_hash: dict[str, list[int]] = defaultdict(list)
    for i, unit in enumerate(old):
        by_hash[content_hash(unit.text)].append(i)
    used: set[int] = set()
    for j, unit in enumerate(new):
        candidates = [i for i in by_hash.get(content_hash(unit.text), []) if i not in used]
        if candidates:
            best = min(candidates, key=lambda i: abs(old[i].start * scale - unit.start))
            out[j] = best
            used.add(best)
    left = [i for i in range(len(old)) if i not in used]
    for j, unit in enumerate(new):
        if j in out:
            continue
        best, score = None, 0.0
        for i in left:
            if i in used or not _overlaps(old[i], unit, scale):
                continue
            value = similarity(old[i].text, unit.text)
            if value >= SIMILAR and value > score:
                best, score = i, value
        if best is not None:
            out[j] = best
            used.add(best)
    return out


def _overlaps(old: Anchor, new: Anchor, scale: float) -> bool:
    """Whether the old span, scaled to the new text, meets the new span (with a margin of
    one span's length, so a unit shifted by a short insertion is still found)."""
    start, end = old.start * scale, old.end * scale
    margin = max(end - start, new.end - new.start)
    return start - margin <= new.end and new.start <= end + margin


def map_span(old_text: str, new_text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where ``old_text[start:end]`` is in ``new_text``: the same span when the text did not
    change, else the occurrence nearest to the old position (scaled); None if it is gone."""
    if old_text == new_text:
        return start, end
    piece = old_text[start:end]
    if not piece:
        return None
    scale = len(new_text) / len(old_text) if old_text else 1.0
    target = start * scale
    best: int | None = None
    found = new_text.find(piece)
    while found != -1:
        if best is None or abs(found - target) < abs(best - target):
            best = found
        found = new_text.find(piece, found + 1)
    if best is None:
        return None
    return best, best + len(piece)
