"""Precision, recall and F1 of recommendation splitting against a gold list, and addressee
accuracy over the matched pairs (the same measures for demo ground truth and hand-made gold
sets of real reports)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+")


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower().replace("\u2019", "'")))


def similar(predicted: str, gold: str, *, prefix_only: bool = False) -> float:
    """0..1: how well a predicted text matches a gold one. With ``prefix_only`` the gold is
    the opening words of the text (hand-made gold sets record first words only)."""
    a, b = _norm(predicted), _norm(gold)
    if not a or not b:
        return 0.0
    if prefix_only:
        return 1.0 if a.startswith(b) or b.startswith(a[:len(b)]) and len(a) >= len(b) else \
            difflib.SequenceMatcher(None, a[:len(b)], b).ratio()
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class Score:
    true_positives: int
    predicted: int
    gold: int
    addressee_correct: int
    addressee_total: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def addressee_accuracy(self) -> float:
        return self.addressee_correct / self.addressee_total if self.addressee_total else 1.0

    def __add__(self, other: Score) -> Score:
        return Score(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, int, int, int, int]:
        return (self.true_positives, self.predicted, self.gold, self.addressee_correct,
                self.addressee_total)

    def line(self) -> str:
        return (f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
                f"addressee={self.addressee_accuracy:.3f} (tp={self.true_positives} "
                f"pred={self.predicted} gold={self.gold})")


def score(predicted: Sequence[tuple[str, str | None]], gold: Sequence[tuple[str, str | None]],
          *, threshold: float = 0.85, prefix_only: bool = False) -> Score:
    """Greedy one-to-one matching of (text, addressee) pairs by text similarity. Addressee
    accuracy counts matched pairs whose gold addressee is given (None in gold = not scored;
    the string 'none' = the report names no addressee)."""
    used: set[int] = set()
    tp = correct = total = 0
    for g_text, g_agency in gold:
        best, best_i = 0.0, -1
        for i, (p_text, _) in enumerate(predicted):
            if i in used:
                continue
            s = similar(p_text, g_text, prefix_only=prefix_only)
            if s > best:
                best, best_i = s, i
        if best >= threshold:
            used.add(best_i)
            tp += 1
            if g_agency is not None:
                total += 1
                wanted = None if g_agency == "none" else g_agency
                correct += predicted[best_i][1] == wanted
    return Score(tp, len(predicted), len(gold), correct, total)


# Where an item starts: past the whitespace and its printed marker (a bullet, '12.', '(a)'),
# which gold lists leave out and the splitter's passage may include.
_LEAD = re.compile(r"\s*(?:(?:[\u2022\u25aa\u25a0\u25fc\u25cf\u2013\u2014\u00b7\-o]|"
                   r"\d{1,3}(?:\.\d{1,2})*[.)]?|\([a-z]{1,3}\)|[a-z][.)]|R\s?\d{1,3}[.:]?)"
                   r"\s+)?", re.UNICODE)


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding whitespace and without the item's own marker."""
    lead = _LEAD.match(text, start, end)
    if lead is not None and lead.end() < end:
        start = lead.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass(frozen=True)
class SpanItem:
    """An item as scored: where it is in the normalised text, and what was said of it.
    ``addressee_source`` is 'text' or 'heading' (explicit) or 'framing' (inferred)."""

    start: int
    end: int
    addressee: str | None = None
    addressee_source: str | None = None
    timescale: str | None = None


@dataclass(frozen=True)
class SpanScore:
    """Counts for one or more documents: items matched on their whole span, and over the
    matched pairs addressees (explicit and inferred apart) and stated timescales."""

    true_positives: int = 0
    predicted: int = 0
    gold: int = 0
    explicit_correct: int = 0
    explicit_total: int = 0
    inferred_correct: int = 0
    inferred_total: int = 0
    timescale_correct: int = 0
    timescale_total: int = 0

    def __add__(self, other: SpanScore) -> SpanScore:
        return SpanScore(*(getattr(self, f) + getattr(other, f)
                           for f in self.__dataclass_fields__))

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def addressee_accuracy(self) -> float:
        total = self.explicit_total + self.inferred_total
        return (self.explicit_correct + self.inferred_correct) / total if total else 1.0

    @staticmethod
    def _ratio(correct: int, total: int) -> str:
        return f"{correct / total:.3f}" if total else "n/a"

    def line(self) -> str:
        return (f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
                f"addressee={self.addressee_accuracy:.3f} "
                f"(explicit {self._ratio(self.explicit_correct, self.explicit_total)}, "
                f"inferred {self._ratio(self.inferred_correct, self.inferred_total)}) "
                f"timescale={self._ratio(self.timescale_correct, self.timescale_total)} "
                f"(tp={self.true_positives} pred={self.predicted} gold={self.gold})")


def same_span(text: str, a: SpanItem, b: SpanItem, tolerance: int = 3) -> bool:
    """Both ends within ``tolerance`` characters once whitespace and markers are trimmed."""
    a0, a1 = trim_span(text, a.start, a.end)
    b0, b1 = trim_span(text, b.start, b.end)
    return abs(a0 - b0) <= tolerance and abs(a1 - b1) <= tolerance


def score_spans(text: str, predicted: Sequence[SpanItem], gold: Sequence[SpanItem],
                *, tolerance: int = 3) -> SpanScore:
    """One-to-one matching of items by their whole span (start AND end): an item cut short
    at a page break, or run on into the next, does not count as found. Gold addressee
    'none' means the report names none; None means not scored."""
    used: set[int] = set()
    tp = ex_c = ex_t = in_c = in_t = ts_c = ts_t = 0
    for g in gold:
        hit = next((i for i, p in enumerate(predicted)
                    if i not in used and same_span(text, p, g, tolerance)), None)
        if hit is None:
            continue
        used.add(hit)
        tp += 1
        p = predicted[hit]
        if g.addressee is not None:
            right = p.addressee == (None if g.addressee == "none" else g.addressee)
            if g.addressee_source == "framing":
                in_t, in_c = in_t + 1, in_c + right
            else:
                ex_t, ex_c = ex_t + 1, ex_c + right
        if g.timescale is not None or p.timescale is not None:
            ts_t, ts_c = ts_t + 1, ts_c + (g.timescale == p.timescale)
    return SpanScore(tp, len(predicted), len(gold), ex_c, ex_t, in_c, in_t, ts_c, ts_t)
