"""What the coding pages may show of a document's text, and to whom.

The rule is ingestion's (``ingestion/redaction.py``): only roles that may *change* a
document see its text unredacted; everyone else who may view it (researchers and the
steering group reach the coding pages) sees ``[REDACTED: kind]`` in place of every personal
data flag, and nothing at all while the version's personal data is still being checked.
A confidential document is never shown to a role that may not view it: views check
``can(user, 'view', document)`` first, and exports keep only segments of documents the user
may view.

Redaction here keeps offsets exact: the redacted text is built from intervals of the stored
text, so a coder who sees the redacted text can still select a span and code it (the page
tells the script how long each redacted piece really is), and a .qdpx export of redacted
text moves every selection onto the redacted text.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from django.utils.html import escape

from ..audit.reads import confidential_read
from ..ingestion.redaction import Redactor, marker, may_see_unredacted, ready, redactor_for
from ..repository.models import Document, DocumentVersion

WITHHELD = "[awaiting redaction review]"


class View:
    """A version's text as one user may see it. ``hidden`` is False for roles that see the
    text unredacted (then every method is the identity)."""

    def __init__(self, user: Any, document: Document, version: DocumentVersion | None):
        # Every coding page and export reads a document's text through a View: reading a
        # confidential one is an audited read (``audit.reads``), whichever route asks.
        confidential_read(user, [document], "coded text")
        self.hidden = not may_see_unredacted(user, document)
        self.withheld = self.hidden and not ready(version)
        self.redactor: Redactor = redactor_for(version) if self.hidden else Redactor(())

    def intervals(self, text: str, base: int) -> list[tuple[int, int, str]]:
        """Redacted intervals of ``text`` (which starts at ``base`` in the stored text), in
        offsets local to ``text``, merged and sorted."""
        if not self.hidden:
            return []
        found = [(max(0, a - base), min(len(text), b - base), kind)
                 for a, b, kind in self.redactor.spans if b > base and a < base + len(text)]
        if self.redactor.pattern is not None:
            found += [(m.start(), m.end(), self.redactor.kinds.get(m.group(0), ""))
                      for m in self.redactor.pattern.finditer(text)]
        merged: list[tuple[int, int, str]] = []
        for a, b, kind in sorted(found):
            if merged and a < merged[-1][1]:
                last = merged[-1]
                merged[-1] = (last[0], max(last[1], b), last[2])
            else:
                merged.append((a, b, kind))
        return merged

    def text(self, text: str, base: int | None = None) -> str:
        """``text`` as this user may see it (``base``: where it starts in the stored text,
        for precise spans; without it only the flagged strings are replaced)."""
        if not self.hidden or not text:
            return text
        if self.withheld:
            return WITHHELD
        if base is None:
            return self.redactor.text(text)
        out, cursor = [], 0
        for a, b, kind in self.intervals(text, base):
            out += [text[cursor:a], marker(kind)]
            cursor = b
        out.append(text[cursor:])
        return "".join(out)

    def html(self, text: str, base: int, spans: list[tuple[int, int, str]]) -> str:
        """Escaped HTML of ``text`` with each coded span (absolute offsets) in a <mark> and
        each redacted interval as a marker whose ``data-len`` is the original length (the
        workbench script counts that, so selected offsets stay offsets of the stored text)."""
        if self.withheld:
            return f'<span class="obs-redacted" data-len="{len(text)}">{WITHHELD}</span>'
        hidden = self.intervals(text, base)
        cuts = {0, len(text)}
        for start, end, _ in spans:
            cuts.update({max(0, start - base), min(len(text), end - base)})
        for a, b, _ in hidden:
            cuts.update({a, b})
        points = sorted(c for c in cuts if 0 <= c <= len(text))
        pieces = []
        for a, b in zip(points, points[1:], strict=False):
            names = sorted({n for s, e, n in spans if s - base <= a and e - base >= b})
            cover = next((h for h in hidden if h[0] <= a and b <= h[1]), None)
            if cover is None:
                piece = str(escape(text[a:b]))
            elif a == cover[0]:
                piece = (f'<span class="obs-redacted" data-len="{cover[1] - cover[0]}">'
                         f"{escape(marker(cover[2]))}</span>")
            else:  # the rest of a redacted interval cut by a coded span: shown once
                continue
            pieces.append(f'<mark class="obs-coded" title="{escape(", ".join(names))}">'
                          f"{piece}</mark>" if names else piece)
        return "".join(pieces)

    def mapped(self, text: str) -> tuple[str, Any]:
        """The whole stored ``text`` redacted, and a function moving an offset of the stored
        text onto the redacted text (an offset inside a redacted interval goes to its
        marker's start)."""
        if not self.hidden:
            return text, lambda offset: offset
        hidden = self.intervals(text, 0)
        starts, shifts, out, cursor, shift = [], [], [], 0, 0
        for a, b, kind in hidden:
            out += [text[cursor:a], marker(kind)]
            starts.append(a)
            shifts.append((a, b, shift, len(marker(kind))))
            shift += len(marker(kind)) - (b - a)
            cursor = b
        out.append(text[cursor:])

        def move(offset: int) -> int:
            i = bisect_right(starts, offset) - 1
            if i < 0:
                return offset
            a, b, before, width = shifts[i]
            if offset < b:
                return a + before
            return offset + before + width - (b - a)

        return "".join(out), move
