"""Small text helpers shared by the steps."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from .types import Page

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")


def page_at(pages: Sequence[Page], offset: int) -> int:
    """The number of the page holding character ``offset`` (1 if there are no pages)."""
    if not pages:
        return 1
    starts = [p.start for p in pages]
    i = max(0, bisect.bisect_right(starts, offset) - 1)
    return pages[i].number


def clean_line(line: str) -> str:
    """One physical line with odd spaces collapsed. PDF text layers mark a hyphen that
    ended a line with U+FFFE (pdfium) or U+0002; inside a line it is resolved here, at the
    end of a line it becomes a plain hyphen for ``join_lines`` to judge."""
    line = line.replace("\x02", "\ufffe").replace("\u00ad", "\ufffe").translate(_BULLETS)
    if "\ufffe" in line:
        line = _MARKED.sub(_resolve_marked, line).replace("\ufffe", "-")
    return _SPACES.sub(" ", line).strip()


# Bullets drawn from Symbol/Wingdings fonts arrive as private-use characters.
_BULLETS = str.maketrans({c: "\u2022" for c in "\uf0a7\uf0b7\uf076\uf0d8\uf0fc\uf06e\uf0a8"
                          "\uf075\uf0e0\uf0de\uf0d7\uf046"})
_MARKED = re.compile(r"([A-Za-z]+)\ufffe\s*([a-z])")


def _resolve_marked(match: re.Match[str]) -> str:
    head, tail = match.group(1), match.group(2)
    return head + ("" if _looks_split(head + "-", tail) else "-") + tail


def join_lines(lines: Sequence[str]) -> str:
    """Join the physical lines of one paragraph, undoing line-end hyphenation.

    A hyphen at a line end before a lowercase word joins ('protec-' + 'tion' ->
    'protection') unless the part before is a common compound head ('child-' + 'centred'
    keeps its hyphen).
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line if _looks_split(out, line) else out + line
        else:
            out = out + " " + line
    return out


_COMPOUND_HEADS = {"child", "multi", "inter", "self", "non", "co", "pre", "post", "long",
                   "short", "well", "cross", "sub", "re", "anti", "semi", "under", "over",
                   "high", "low", "follow", "face", "step", "out", "on", "up", "in", "part",
                   "full", "front", "start", "place", "family", "age", "year", "risk", "one",
                   "two", "three", "four", "five", "six", "problem", "solution", "evidence",
                   "time", "team", "case", "health", "school", "early", "decision", "joined",
                   "person", "strengths", "trauma", "safeguarding"}


def _looks_split(before: str, after: str) -> bool:
    """True when a hyphen at a line end split one word rather than ending a compound."""
    word = re.split(r"[^A-Za-z]", before[:-1])[-1].lower()
    return word not in _COMPOUND_HEADS
