"""How long a review may take, from the decision to review to completion, by the guidance
in force on the date of the decision (data/analysis/timeliness.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path

LIMITS_FILE = Path(__file__).resolve().parent.parent / "data" / "analysis" / "timeliness.toml"


@dataclass(frozen=True)
class Limit:
    guidance: str
    effective_from: date
    months: float
    review_types: tuple[str, ...]  # empty = every type
    citation: str

    def applies(self, review_type: str | None, decided: date) -> bool:
        return decided >= self.effective_from and (
            not self.review_types or (review_type or "") in self.review_types)


@dataclass(frozen=True)
class Limits:
    source: str
    limits: tuple[Limit, ...]

    def for_review(self, review_type: str | None, decided: date | None) -> Limit | None:
        """The latest rule in force on the decision date for this type of review (of two
        from the same date, the first listed)."""
        if decided is None:
            return None
        # Newest first, so the first that applies is the answer: the timeliness table asks
        # this for every review in scope.
        return next((lim for lim in self._newest_first if lim.applies(review_type, decided)),
                    None)

    @cached_property
    def _newest_first(self) -> tuple[Limit, ...]:
        return tuple(sorted(self.limits, key=lambda lim: lim.effective_from, reverse=True))


def parse_limits(data: dict, origin: str = "timeliness") -> Limits:
    limits = []
    for i, raw in enumerate(data.get("limits", []), start=1):
        try:
            limits.append(Limit(
                guidance=str(raw["guidance"]), effective_from=raw["effective_from"],
                months=float(raw["months"]), review_types=tuple(raw.get("review_types", [])),
                citation=str(raw.get("citation", ""))))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{origin}: limit {i}: {exc}") from exc
        if not isinstance(limits[-1].effective_from, date):
            raise ValueError(f"{origin}: limit {i}: effective_from must be a date")
    return Limits(str(data.get("source", "")), tuple(limits))


@lru_cache(maxsize=2)
def load_limits(path: Path = LIMITS_FILE) -> Limits:
    return parse_limits(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
