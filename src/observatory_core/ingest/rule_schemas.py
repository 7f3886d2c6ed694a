"""The shape of each rule file under ``data/ingest/``, as pydantic models.

``rules.load_rules`` validates a file against its model when it is first read, so a typo
(an unknown key, a regular expression that does not compile, a confidence above 1, a
missing ``source``) fails at start-up with the file, the place and the problem, instead of
as a KeyError deep inside a step or, worse, a rule silently ignored. The loaders keep
reading the plain dictionaries; these models only say what is allowed.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from exc
    return pattern


Pattern = Annotated[str, AfterValidator(_compiles)]
Confidence = Annotated[float, Field(ge=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)  # TOML has types


class _RuleFile(_Strict):
    source: str = Field(min_length=10, description="where the rules come from")


# -- pipeline.toml -----------------------------------------------------------------------
class NormaliseSettings(_Strict):
    furniture_zone: int = Field(ge=0)
    furniture_share: float = Field(gt=0, le=1)
    paragraph_pitch: float = Field(gt=0)


class OcrSettings(_Strict):
    dpi: int = Field(ge=72, le=1200)
    language: str = Field(min_length=2)
    psm: int = Field(ge=0, le=13)
    jobs: int = Field(ge=0)
    timeout: float = Field(gt=0)


class ModelSettings(_Strict):
    prefetch_during_ocr: bool = False


class PipelineFile(_RuleFile):
    # Other steps may have a settings table of their own (any keys).
    model_config = ConfigDict(extra="allow", frozen=True, strict=True)
    steps: list[str] = Field(min_length=1)
    deferred: list[str] = []
    normalise: NormaliseSettings | None = None
    ocr_if_needed: OcrSettings | None = None
    flag_personal_data_model: ModelSettings | None = None

    @field_validator("steps")
    @classmethod
    def _unique(cls, steps: list[str]) -> list[str]:
        if len(set(steps)) != len(steps):
            raise ValueError("a step is listed twice")
        return steps

    def model_post_init(self, context: Any) -> None:
        for name, value in (self.model_extra or {}).items():
            if not isinstance(value, dict):
                raise ValueError(f"'{name}' should be a table of settings for that step")


# -- sections.toml -----------------------------------------------------------------------
class Layout(_Strict):
    max_heading_chars: int = Field(gt=0)
    max_heading_words: int = Field(gt=0)
    larger_by: float = Field(ge=0)
    numbering: list[Pattern]
    not_heading: list[Pattern] = []
    adopt_subheadings: list[str] = []


class SectionKind(_Strict):
    key: str = Field(pattern=r"^[a-z_]+$")
    patterns: list[Pattern] = Field(min_length=1)


class SectionsFile(_RuleFile):
    layout: Layout
    kinds: list[SectionKind] = Field(min_length=1)

    @field_validator("kinds")
    @classmethod
    def _unique_keys(cls, kinds: list[SectionKind]) -> list[SectionKind]:
        keys = [k.key for k in kinds]
        if len(set(keys)) != len(keys):
            raise ValueError("a section kind is listed twice")
        return kinds


# -- recommendations.toml ----------------------------------------------------------------
class Numbering(_Strict):
    id: str
    pattern: Pattern
    unnumbered: bool = False


class TableHeaders(_Strict):
    text_header: list[Pattern]
    agency_header: list[Pattern]
    number_header: list[Pattern]


class Addressee(_Strict):
    lead_in: Pattern
    verbs: Pattern
    clause_opener: Pattern | None = None
    extra: dict[str, list[str]] = {}


class Findings(_Strict):
    heading: Pattern
    sections: dict[str, str]


class Timescales(_Strict):
    patterns: list[Pattern] = []


class RecommendationsFile(_RuleFile):
    skip: list[Pattern] = []
    lead_in_addressee: Pattern | None = None
    numbering: list[Numbering] = Field(min_length=1)
    table: TableHeaders
    addressee: Addressee
    findings: Findings
    timescale: Timescales = Timescales()
    footnote: Pattern | None = None
    trailing_reference: Pattern | None = None


# -- framing.toml ------------------------------------------------------------------------
class Frame(_Strict):
    id: str = Field(pattern=r"^[a-z_]+$")
    label: str = Field(min_length=3)
    pattern: Pattern
    addressee: str = Field(pattern=r"^[a-z_]+$")
    paragraph_items: bool = False


class FramingFile(_RuleFile):
    document_chars: int = Field(gt=0)
    document: list[Frame] = []
    part: list[Frame] = []


# -- personal_data.toml ------------------------------------------------------------------
class PersonalDataRule(_Strict):
    id: str
    kind: str
    pattern: Pattern
    flags: str | None = Field(default=None, pattern=r"^case$")  # 'case': case-sensitive
    validator: str | None = None
    confidence: Confidence


class Pseudonyms(_Strict):
    patterns: list[Pattern]
    not_school: list[Pattern] = []


class EntityModel(_Strict):
    package: str
    version: str
    ner_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    labels: dict[str, str]
    school_suffix: Pattern
    confidence: Confidence
    propagate: bool
    not_propagated: list[Pattern] = []
    not_names: list[str] = []
    not_before: Pattern | None = None  # words after an entity that make it not a person


class PersonalDataFile(_RuleFile):
    rules: list[PersonalDataRule] = Field(min_length=1)
    pseudonyms: Pseudonyms
    model: EntityModel

    @field_validator("rules")
    @classmethod
    def _known_validators(cls, rules: list[PersonalDataRule]) -> list[PersonalDataRule]:
        from .personal_data import VALIDATORS

        unknown = sorted({r.validator for r in rules if r.validator} - set(VALIDATORS))
        if unknown:
            raise ValueError(f"unknown validator(s) {unknown}; known: {sorted(VALIDATORS)}")
        return rules


# -- dataset.toml ------------------------------------------------------------------------
class AgeRules(_Strict):
    patterns: list[Pattern] = Field(min_length=1)
    ranges: list[Pattern] = []  # age ranges: about a group of children, never the child's age


class SexPronouns(_Strict):
    minimum: int = Field(ge=1)
    ratio: float = Field(ge=1)
    male: Pattern
    female: Pattern


class DatasetFile(_RuleFile):
    age: AgeRules
    choice_priority: dict[str, list[str]] = {}
    sex_pronouns: SexPronouns | None = None
    dates: dict[str, list[Pattern]]
    sex: dict[str, list[Pattern]] = {}
    outcome: dict[str, list[Pattern]] = {}
    abuse_category: dict[str, list[Pattern]] = {}
    family_characteristic: dict[str, list[Pattern]] = {}
    review_method: dict[str, list[Pattern]] = {}


# -- redaction_lists.toml ----------------------------------------------------------------
class RedactionListsFile(_RuleFile):
    allow: dict[str, list[Annotated[str, Field(min_length=2)]]]  # group -> words never flagged
    deny: dict[str, list[Annotated[str, Field(min_length=2)]]] = {}  # kind -> always flagged

    @field_validator("deny")
    @classmethod
    def _known_kinds(cls, deny: dict[str, list[str]]) -> dict[str, list[str]]:
        known = {"person_name", "postcode", "nhs_number", "phone", "date_of_birth", "school",
                 "address", "email"}
        unknown = sorted(set(deny) - known)
        if unknown:
            raise ValueError(f"unknown kind(s) {unknown}; known: {sorted(known)}")
        return deny


SCHEMAS: dict[str, type[_RuleFile]] = {
    "pipeline": PipelineFile, "sections": SectionsFile,
    "recommendations": RecommendationsFile, "personal_data": PersonalDataFile,
    "dataset": DatasetFile, "redaction_lists": RedactionListsFile,
    "framing": FramingFile,
}
