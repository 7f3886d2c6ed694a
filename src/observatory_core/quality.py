"""The Quality Markers for case reviews as data, and the arithmetic of the dialogue about them.

``data/quality/markers.toml`` holds the 18 markers (NSPCC/SCIE 2016) in the service's own
words, their three clusters and which markers each stage of a review looks at. A section
the data does not hold is *not yet available*: the screens say so and an administrator
completes it (each change a new version). A review keeps the marker versions it began with
(``changed_sections`` says what has changed since). There is no score: the tables count
reviews whose participants found a marker hard, and obstacles met, each review once.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

MARKERS_FILE = Path(__file__).parent / "data" / "quality" / "markers.toml"
STAGES = ("start", "during", "end")
NOT_YET_AVAILABLE = "Not yet available."
# The sections of a marker, in the order the source sets them out, with their headings.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("statement", "Quality statement"),
    ("rationale", "Rationale"),
    ("questions", "How might you know you are meeting this marker?"),
    ("knowledge_base", "Knowledge base"),
    ("equality_diversity", "Equality and diversity"),
    ("guidance_links", "Links to statutory guidance and inspection criteria"),
    ("obstacles", "Tackling some common obstacles"),
)
SECTION_LABELS = dict(SECTIONS)
EqualitySection = Literal["present", "absent", "unknown"]


class QualityDataError(ValueError):
    pass


@dataclass(frozen=True)
class Marker:
    number: int
    title: str
    cluster: str
    statement: str = ""
    rationale: str = ""
    questions: tuple[str, ...] = ()
    knowledge_base: str = ""
    equality_diversity: str = ""
    equality_diversity_section: EqualitySection = "unknown"
    guidance_links: str = ""
    obstacles: tuple[str, ...] = ()

    def content(self) -> dict[str, object]:
        """What a version of this marker says: the snapshot a review is pinned to."""
        return {"number": self.number, "title": self.title, "cluster": self.cluster,
                "statement": self.statement, "rationale": self.rationale,
                "questions": list(self.questions), "knowledge_base": self.knowledge_base,
                "equality_diversity": self.equality_diversity,
                "equality_diversity_section": self.equality_diversity_section,
                "guidance_links": self.guidance_links, "obstacles": list(self.obstacles)}


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    purpose: str
    markers: tuple[int, ...]


@dataclass(frozen=True)
class MarkerSet:
    version: int
    source: str
    clusters: Mapping[str, str]
    stages: Mapping[str, Stage]
    markers: tuple[Marker, ...] = field(default=())

    def marker(self, number: int) -> Marker | None:
        return next((m for m in self.markers if m.number == number), None)


class _MarkerModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    number: int = Field(ge=1, le=99)
    title: str = Field(min_length=1)
    cluster: str
    statement: str = ""
    rationale: str = ""
    questions: list[str] = []
    knowledge_base: str = ""
    equality_diversity: str = ""
    equality_diversity_section: EqualitySection = "unknown"
    guidance_links: str = ""
    obstacles: list[str] = []


class _StageModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    label: str = Field(min_length=1)
    purpose: str = ""
    markers: list[int]


class _SetModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    version: int = Field(ge=1)
    source: str = Field(min_length=1)
    clusters: dict[str, str]
    stages: dict[str, _StageModel]
    markers: list[_MarkerModel]

    @model_validator(mode="after")
    def _consistent(self) -> _SetModel:
        numbers = [m.number for m in self.markers]
        if len(set(numbers)) != len(numbers):
            raise ValueError("marker numbers repeat")
        for m in self.markers:
            if m.cluster not in self.clusters:
                raise ValueError(f"marker {m.number}: unknown cluster '{m.cluster}'")
            if m.equality_diversity and m.equality_diversity_section != "present":
                raise ValueError(f"marker {m.number}: equality text for a section not present")
        if set(self.stages) != set(STAGES):
            raise ValueError(f"stages must be exactly {', '.join(STAGES)}")
        for key, stage in self.stages.items():
            unknown = set(stage.markers) - set(numbers)
            if unknown:
                raise ValueError(f"stage {key}: unknown markers {sorted(unknown)}")
        return self


def parse_markers(data: dict, origin: str = "quality markers") -> MarkerSet:
    try:
        parsed = _SetModel.model_validate(data)
    except ValidationError as exc:
        raise QualityDataError(f"{origin}: " + "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors())
        ) from None
    markers = tuple(sorted((Marker(**{**m.model_dump(), "questions": tuple(m.questions),
                                      "obstacles": tuple(m.obstacles)})
                            for m in parsed.markers), key=lambda m: m.number))
    stages = {key: Stage(key, s.label, s.purpose, tuple(s.markers))
              for key, s in parsed.stages.items()}
    return MarkerSet(parsed.version, parsed.source, dict(parsed.clusters), stages, markers)


@lru_cache(maxsize=2)
def load_markers(path: Path = MARKERS_FILE) -> MarkerSet:
    return parse_markers(tomllib.loads(path.read_text(encoding="utf-8")), path.name)


def is_available(content: Mapping[str, object], section: str) -> bool:
    """Whether a section has text. Equality and diversity is 'not part of this marker' when
    the source has no such section, which is known, not missing."""
    if section == "equality_diversity" and content.get("equality_diversity_section") == "absent":
        return True
    return bool(content.get(section))


def changed_sections(old: Mapping[str, object], new: Mapping[str, object]) -> list[str]:
    """The headings of the sections that differ between two versions of a marker (the title
    first), for the notice a review on the older version shows."""
    out = ["Title"] if old.get("title") != new.get("title") else []
    return out + [label for key, label in SECTIONS if old.get(key) != new.get(key)]


@dataclass(frozen=True)
class Report:
    """One participant's record of one marker at one stage of one review, as counted."""

    review: int
    marker: int
    found_hard: bool = False
    obstacles: tuple[str, ...] = ()
    helped: bool = False


def reviews_finding_hard(reports: Iterable[Report]) -> Counter[int]:
    """Per marker, the number of reviews in which anyone found it hard (each review once,
    however many participants or stages said so)."""
    pairs = {(r.review, r.marker) for r in reports if r.found_hard}
    return Counter(marker for _, marker in pairs)


def obstacle_frequency(reports: Iterable[Report]) -> Counter[str]:
    """Per obstacle, the number of reviews that met it (each review once)."""
    pairs = {(r.review, o) for r in reports for o in r.obstacles}
    return Counter(o for _, o in pairs)
