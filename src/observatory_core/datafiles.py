"""The shape of the product's data files (access policy, controlled lists, codebooks,
consensus rules, audit retention), checked by pydantic before their own rules are applied.

Each loader keeps the checks only it can make (a role that exists, a parent code that
exists, a threshold above zero) and its own error class and wording; what every file needs
is said once here: the keys a file may have (a typo such as ``object_kind`` for
``object_kinds`` used to be ignored, so a retention rule silently covered every kind), the
type of each value, and the required ones. ``shape_problems`` returns the problems as
"where: what" lines, so a loader lists them with its own in one message naming the file.
The ingestion rule files have their own models in ``ingest/rule_schemas.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

Text = Annotated[str, Field(min_length=1)]
Names = list[Annotated[str, Field(min_length=1)]]


class _Strict(BaseModel):
    """Unknown keys are refused; TOML values already have types, so none is coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


# -- access_policy.toml ------------------------------------------------------------------
class AccessPolicyFile(_Strict):
    source: Text
    # object kind -> action -> grants ("role" or "role:own_area"); names checked by access.py
    grants: dict[str, dict[str, Names]]
    # action -> object kinds an approved research grant opens within its scope
    research_grant: dict[str, Names] = {}


# -- research/access.toml ----------------------------------------------------------------
class ResearchRole(_Strict):
    max_period_days: StrictInt = Field(ge=1)
    max_years: StrictInt = Field(ge=1)
    document_kinds: Names = []
    coded_data: StrictBool = False
    ethics_evidence_required: StrictBool = True


class ResearchExtract(_Strict):
    coarsen_choices: Names
    watermark: Text


class ResearchAccessFile(_Strict):
    source: Text
    roles: dict[str, ResearchRole]
    extract: ResearchExtract


# -- research/output_checking.toml -------------------------------------------------------
class _Cited(_Strict):
    source: Text


class OutputThreshold(_Cited):
    use_public_suppression_rule: StrictBool = True
    minimum: StrictInt | None = Field(default=None, ge=1)


class OutputDominance(_Cited):
    n: StrictInt = Field(ge=1)
    k: StrictInt | float = Field(gt=0, le=100)
    p: StrictInt | float = Field(gt=0, lt=100)


class OutputZeros(_Cited):
    group_disclosure: StrictBool = True


class OutputDifferencing(_Cited):
    enabled: StrictBool = True


class OutputCheckingFile(_Strict):
    source: Text
    threshold: OutputThreshold
    dominance: OutputDominance
    zeros: OutputZeros
    differencing: OutputDifferencing


# -- vocab/*.toml ------------------------------------------------------------------------
class VocabularyTerm(BaseModel):
    # A term may carry attributes its list needs (an age band's bounds, a document kind's
    # confidentiality, aliases): kept as data, so extra keys are allowed here only.
    model_config = ConfigDict(extra="allow", strict=True)

    code: Text
    label: Text
    description: str = ""
    source: str = ""


class VocabularyFile(_Strict):
    key: Text
    label: Text
    source: Text
    multiple: StrictBool = False
    description: str = ""
    terms: list[VocabularyTerm] = Field(min_length=1)


# -- codebooks/*.toml --------------------------------------------------------------------
class CodebookCode(_Strict):
    id: Text
    name: Text
    parent: str = ""
    description: str = ""
    source: str = ""
    keywords: list[str] = []
    patterns: list[str] = []
    examples: list[str] = []
    retired: StrictBool = False


class CodebookFile(_Strict):
    key: Text
    name: Text
    source: Text
    version: str = "1"
    description: str = ""
    vocabulary: str = ""  # codes taken from a controlled list (vocab/<name>.toml)
    keywords: dict[str, list[str]] = {}  # extra keywords for a vocabulary's codes
    codes: list[CodebookCode] = []


# -- consensus_rules/*.toml --------------------------------------------------------------
class ConsensusThreshold(_Strict):
    answers: Names = Field(min_length=1)
    min_percent: Annotated[int | float, Field(gt=0, le=100)] | str


class ConsensusRuleFile(_Strict):
    key: Text
    label: Text
    source: Text
    description: str = ""
    unable_in_denominator: StrictBool = True
    agreement: list[ConsensusThreshold] = Field(min_length=1)
    disagreement: list[ConsensusThreshold] | None = None


# -- audit_retention.toml ----------------------------------------------------------------
class RetentionRuleEntry(_Strict):
    name: Text
    roles: Names = Field(min_length=1)
    actions: Names = Field(min_length=1)
    allowed: StrictBool
    confidential: StrictBool
    keep_days: StrictInt = Field(ge=1)
    object_kinds: Names = []


class RetentionFile(_Strict):
    source: Text
    rules: list[RetentionRuleEntry] = []


# -- schedule.toml (observatory.operations.scheduler) ----------------------------------------
class ScheduledJob(_Strict):
    task: Text  # a Django task's module path
    every: StrictInt = Field(ge=1)  # seconds
    why: Text


class ScheduleSettings(_Strict):
    tick: StrictInt = Field(ge=1, default=15)


class ScheduleFile(_Strict):
    source: Text
    jobs: dict[str, ScheduledJob] = {}
    settings: ScheduleSettings = ScheduleSettings()


# -- publication.toml (publication.py) ----------------------------------------------------
class PublicationReasonEntry(_Strict):
    label: Text
    needs_note: StrictBool = False


class PublicationRetentionEntry(_Strict):
    label: Text
    years: StrictInt = Field(ge=1)
    default: StrictBool = False


class PublicationFile(_Strict):
    source: Text
    transitions: dict[str, Names]
    reasons: dict[str, PublicationReasonEntry]
    retention: dict[str, PublicationRetentionEntry]


# -- area_history.toml, partnerships.toml (places.py) ---------------------------------------
AreaCode = Annotated[str, Field(pattern=r"^[EWSN]\d{8}$")]  # an ONS (GSS) code


class AreaChangeEntry(_Strict):
    code: AreaCode
    began: date
    kind: Literal["recoded", "unitary", "split", "merged"]
    from_: list[AreaCode] = Field(alias="from", min_length=1)
    note: Text


class AreaHistoryFile(_Strict):
    source: Text
    area: list[AreaChangeEntry] = []


class PartnershipEntry(_Strict):
    name: Text
    areas: list[AreaCode] = Field(min_length=1)
    took_over: list[AreaCode] = []
    source: Text


class PartnershipsFile(_Strict):
    source: Text
    partnership: list[PartnershipEntry] = []


# -- citations.toml ----------------------------------------------------------------------
class CitedReport(_Strict):
    short: Text
    full: Text


class CitationsFile(_Strict):
    source: Text
    reports: dict[Annotated[str, Field(pattern=r"^\d{3}$")], CitedReport] = Field(min_length=1)


def shape_problems(model: type[BaseModel], data: Any) -> list[str]:
    """Every way ``data`` departs from ``model``, as 'where: what' (empty when it fits)."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [f"{_where(err['loc'])}: {_what(err)}" for err in exc.errors()]
    return []


def _where(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item + 1}]")  # people count entries from 1
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(file)"


def _what(err: dict[str, Any]) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key (a typo?)"
    if err["type"] == "missing":
        return "required"
    return str(err["msg"])


# -- register/smart.toml, action_status.toml, lead_roles.toml (smart.py, actionplan.py) ----
class SmartCriterion(_Strict):
    key: Text
    label: Text
    question: Text


class SmartRule(_Strict):
    """A flag (``against`` criteria) or a signal (``supports`` them)."""

    key: Text
    label: str = ""
    against: Names = []
    supports: Names = []
    kind: Literal["any", "count", "none"] = "any"
    min: StrictInt = Field(default=1, ge=1)
    unless_addressee: StrictBool = False
    patterns: list[str] = []
    reason: Text


class PriorityBand(_Strict):
    key: Text
    label: Text
    min_months: StrictInt = Field(ge=0)
    max_months: StrictInt = Field(ge=1)


class SmartRulesFile(_Strict):
    version: Text
    source: Text
    criteria: list[SmartCriterion] = Field(min_length=1)
    flags: list[SmartRule] = []
    signals: list[SmartRule] = []
    priority: list[PriorityBand] = Field(min_length=1)


class ActionStatus(_Strict):
    label: Text
    rag: Literal["red", "amber", "green"]
    to: Names = []
    finished: StrictBool


class ActionStatusNeeds(_Strict):
    evidence: StrictBool = False
    other_person: StrictBool = False
    reason: StrictBool = False
    reason_from: Names = []


class ActionStatusFile(_Strict):
    source: Text
    overdue_rag: Literal["red", "amber", "green"]
    statuses: dict[str, ActionStatus] = Field(min_length=1)
    needs: dict[str, ActionStatusNeeds] = {}
    rag_labels: dict[Literal["red", "amber", "green"], Text]


class LeadRolesFile(_Strict):
    source: Text
    roles: Names = Field(min_length=1)


# -- learning/publication_gate.toml, learning/briefing_form.toml (learning/*.py) ----------
class PublicationGateFile(_Strict):
    source: Text
    attributes: dict[str, Text] = Field(min_length=1)
    identifiability: dict[Literal["combinations"], list[Names]]


class BriefingSection(_Strict):
    key: Text
    title: Text


class BriefingFormFile(_Strict):
    source: Text
    questions: Names = Field(min_length=1)
    sections: list[BriefingSection] = Field(min_length=1)
