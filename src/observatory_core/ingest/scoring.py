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
