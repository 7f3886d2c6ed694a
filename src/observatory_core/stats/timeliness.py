"""How long a review may take, from the decision to review to completion, by the guidance
in force on the date of the decision (data/analysis/timeliness.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


class _LimitModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    guidance: str = Field(min_length=1)
    effective_from: date  # a TOML date, not a string
    months: float = Field(gt=0)
    review_types: list[str] = []
    citation: str = ""


class _LimitsModel(BaseModel):
    """The shape of timeliness.toml (pydantic checks it when read)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    source: str = ""
    limits: list[_LimitModel] = []


def parse_limits(data: dict, origin: str = "timeliness") -> Limits:
    try:
        parsed = _LimitsModel.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"limit {err['loc'][1] + 1}: {'.'.join(map(str, err['loc'][2:]))}"
                             f" {err['msg']}" if err["loc"][:1] == ("limits",)
                             and len(err["loc"]) > 1 else
                             f"{'.'.join(map(str, err['loc']))}: {err['msg']}"
                             for err in exc.errors())
        raise ValueError(f"{origin}: {problems}") from None
    return Limits(parsed.source, tuple(
        Limit(guidance=raw.guidance, effective_from=raw.effective_from, months=raw.months,
              review_types=tuple(raw.review_types), citation=raw.citation)
        for raw in parsed.limits))


@lru_cache(maxsize=2)
def load_limits(path: Path = LIMITS_FILE) -> Limits:
    return parse_limits(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
