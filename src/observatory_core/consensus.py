"""Delphi consultations: the answer scale, consensus rules as data, and per-statement results.

A *rule* (``data/consensus_rules/*.toml``) says when a statement has reached consensus
agreement: "at least P% of answers are in this set of answers", tried threshold by
threshold. Consensus disagreement mirrors the agreement thresholds unless the file lists
its own. Whether "unable to answer" counts in the denominator is part of the rule.

Results are computed from *counts* (how many participants gave each answer). Historical
studies usually publish percentages per answer and the number of respondents;
``counts_from_percentages`` turns those back into counts and says when they do not add up.

Percentages are kept exact (``Fraction``) and rounded half-up to whole numbers only for
display, as the published tables are. Nothing here imports Django.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from .datafiles import ConsensusRuleFile, shape_problems

RULES_DIR = Path(__file__).parent / "data" / "consensus_rules"
DEFAULT_RULE = "scoping_study_2010"

# The six-point Likert scale plus "unable to answer", in the order questionnaires show it.
SCALE: tuple[str, ...] = (
    "strongly_disagree",
    "disagree",
    "mildly_disagree",
    "mildly_agree",
    "agree",
    "strongly_agree",
    "unable",
)
LABELS: dict[str, str] = {
    "strongly_disagree": "Strongly disagree",
    "disagree": "Disagree",
    "mildly_disagree": "Mildly disagree",
    "mildly_agree": "Mildly agree",
    "agree": "Agree",
    "strongly_agree": "Strongly agree",
    "unable": "Unable to answer",
}
DISAGREEING: tuple[str, ...] = SCALE[:3]
AGREEING: tuple[str, ...] = SCALE[3:6]
UNABLE = "unable"
# Each agreeing answer's counterpart on the disagreeing side.
MIRROR: dict[str, str] = {
    "mildly_agree": "mildly_disagree",
    "agree": "disagree",
    "strongly_agree": "strongly_disagree",
    "mildly_disagree": "mildly_agree",
    "disagree": "agree",
    "strongly_disagree": "strongly_agree",
}
CONSENSUS_VALUES = ("agree", "disagree", "none")
# Published percentages per answer rarely sum to exactly 100 (each is rounded); a row
# further than this from 100 is taken to be a mistake.
PERCENT_TOLERANCE = Fraction(3)


class RuleError(ValueError):
    """A consensus rule file or definition is malformed; the message lists every problem."""


class CountsError(ValueError):
    """Counts or percentages that cannot be used (negative, missing, not adding up)."""


@dataclass(frozen=True)
class Threshold:
    answers: tuple[str, ...]
    min_percent: Fraction

    def describe(self) -> str:
        names = " or ".join(LABELS[a].lower() for a in self.answers)
        return f"at least {_fmt(self.min_percent)}% answer {names}"


@dataclass(frozen=True)
class ConsensusRule:
    key: str
    label: str
    source: str
    agreement: tuple[Threshold, ...]
    disagreement: tuple[Threshold, ...]
    unable_in_denominator: bool = True
    description: str = ""

    def describe(self) -> str:
        agree = "; or ".join(t.describe() for t in self.agreement)
        disagree = "; or ".join(t.describe() for t in self.disagreement)
        denominator = ("'unable to answer' counts in the denominator"
                       if self.unable_in_denominator
                       else "'unable to answer' is left out of the denominator")
        return (f"Consensus agreement if {agree}. Consensus disagreement if {disagree}. "
                f"{denominator[0].upper()}{denominator[1:]}.")

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for storing a copy of the rule with a study, or JSON)."""
        data = asdict(self)
        for side in ("agreement", "disagreement"):
            data[side] = [{"answers": list(t.answers), "min_percent": _fmt(t.min_percent)}
                          for t in getattr(self, side)]
        return data


def _fmt(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def _threshold(raw: Any, where: str, problems: list[str]) -> Threshold | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: should be a table with answers and min_percent")
        return None
    answers = raw.get("answers")
    if (not isinstance(answers, list) or not answers
            or not all(isinstance(a, str) for a in answers)):
        problems.append(f"{where}: answers should be a non-empty list of answer names")
        return None
    unknown = [a for a in answers if a not in SCALE or a == UNABLE]
    if unknown:
        problems.append(f"{where}: unknown or unusable answers {unknown}")
        return None
    if len(set(answers)) != len(answers):
        problems.append(f"{where}: an answer is listed twice")
        return None
    try:
        percent = Fraction(str(raw.get("min_percent")))
    except (TypeError, ValueError):
        problems.append(f"{where}: min_percent should be a number")
        return None
    if not 0 < percent <= 100:
        problems.append(f"{where}: min_percent should be more than 0 and at most 100")
        return None
    return Threshold(tuple(a for a in SCALE if a in answers), percent)


def parse_rule(data: Mapping[str, Any], origin: str = "consensus rule") -> ConsensusRule:
    """A rule from plain data (a TOML file, or a copy stored with a study)."""
    problems: list[str] = []
    for name in ("key", "label", "source"):
        if not isinstance(data.get(name), str) or not data.get(name, "").strip():
            problems.append(f"'{name}' is required")
    unable = data.get("unable_in_denominator", True)
    if not isinstance(unable, bool):
        problems.append("'unable_in_denominator' should be true or false")
    sides: dict[str, tuple[Threshold, ...]] = {}
    for side in ("agreement", "disagreement"):
        raw = data.get(side)
        if raw is None and side == "disagreement":
            continue
        if not isinstance(raw, list) or not raw:
            problems.append(f"'{side}' should list at least one threshold")
            continue
        parsed = [_threshold(item, f"{side}[{i}]", problems) for i, item in enumerate(raw)]
        sides[side] = tuple(t for t in parsed if t is not None)
    if problems:
        raise RuleError(f"{origin}: " + "; ".join(problems))
    agreement = sides["agreement"]
    if any(a not in AGREEING for t in agreement for a in t.answers):
        raise RuleError(f"{origin}: agreement thresholds may only use agreeing answers")
    disagreement = sides.get("disagreement") or tuple(
        Threshold(tuple(a for a in SCALE if a in {MIRROR[x] for x in t.answers}), t.min_percent)
        for t in agreement)
    if any(a not in DISAGREEING for t in disagreement for a in t.answers):
        raise RuleError(f"{origin}: disagreement thresholds may only use disagreeing answers")
    return ConsensusRule(
        key=data["key"].strip(), label=data["label"].strip(), source=data["source"].strip(),
        agreement=agreement, disagreement=disagreement, unable_in_denominator=unable,
        description=str(data.get("description", "")).strip())


def load_rule_file(path: Path) -> ConsensusRule:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    shape = shape_problems(ConsensusRuleFile, data)  # unknown keys, types (datafiles.py)
    if shape:
        raise RuleError(f"{path.name}: " + "; ".join(shape))
    rule = parse_rule(data, path.name)
    if rule.key != path.stem:
        raise RuleError(f"{path.name}: key '{rule.key}' does not match the file name")
    return rule


@lru_cache(maxsize=8)
def available_rules(directory: Path = RULES_DIR) -> dict[str, ConsensusRule]:
    """Every shipped rule, by key."""
    return {p.stem: load_rule_file(p) for p in sorted(directory.glob("*.toml"))}


def get_rule(key: str = DEFAULT_RULE) -> ConsensusRule:
    rules = available_rules()
    if key not in rules:
        raise RuleError(f"no consensus rule '{key}' (known: {', '.join(sorted(rules))})")
    return rules[key]


# -- counts -------------------------------------------------------------------------------
def normalise_counts(counts: Mapping[str, Any]) -> dict[str, int]:
    """Counts for every answer of the scale (missing answers are 0); refuse nonsense."""
    unknown = sorted(set(counts) - set(SCALE))
    if unknown:
        raise CountsError(f"unknown answers: {', '.join(unknown)}")
    result: dict[str, int] = {}
    for answer in SCALE:
        value = counts.get(answer, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CountsError(f"{answer}: {value!r} is not a whole number of 0 or more")
        result[answer] = value
    return result


def tally(answers: Iterable[str]) -> dict[str, int]:
    """Counts from individual answers."""
    counts = dict.fromkeys(SCALE, 0)
    for answer in answers:
        if answer not in counts:
            raise CountsError(f"'{answer}' is not an answer on the scale")
        counts[answer] += 1
    return counts


def round_half_up(value: Fraction) -> int:
    """Round to the nearest whole number, halves away from zero (as published tables do)."""
    floor = value.numerator // value.denominator
    return floor + 1 if value - floor >= Fraction(1, 2) else floor


@dataclass(frozen=True)
class Conversion:
    """Counts reconstructed from published percentages, with what did not add up."""

    counts: dict[str, int]
    percent_total: Fraction
    notes: tuple[str, ...] = ()


def counts_from_percentages(percentages: Mapping[str, Any], respondents: int,
                            tolerance: Fraction = PERCENT_TOLERANCE) -> Conversion:
    """Each answer's count is its percentage of ``respondents``, rounded half-up.

    Raises CountsError when the percentages cannot be a row of a table (a negative value,
    more than 100, or a total further than ``tolerance`` from 100). Otherwise returns the
    counts, with a note when the percentages do not sum to exactly 100 or the rounded counts
    do not sum to the respondents (the caller reports these; they are normal rounding).
    """
    if isinstance(respondents, bool) or not isinstance(respondents, int) or respondents <= 0:
        raise CountsError(f"respondents: {respondents!r} is not a whole number above 0")
    unknown = sorted(set(percentages) - set(SCALE))
    if unknown:
        raise CountsError(f"unknown answers: {', '.join(unknown)}")
    exact: dict[str, Fraction] = {}
    for answer in SCALE:
        raw = percentages.get(answer, 0)
        try:
            value = Fraction(str(raw))
        except (TypeError, ValueError):
            raise CountsError(f"{answer}: {raw!r} is not a number") from None
        if not 0 <= value <= 100:
            raise CountsError(f"{answer}: {raw} is not a percentage between 0 and 100")
        exact[answer] = value
    total = sum(exact.values(), Fraction(0))
    if abs(total - 100) > tolerance:
        raise CountsError(f"the percentages add up to {_fmt(total)}, not about 100 "
                          f"(allowed: 100 ± {_fmt(tolerance)})")
    counts = {a: round_half_up(p * respondents / 100) for a, p in exact.items()}
    notes: list[str] = []
    if total != 100:
        notes.append(f"the percentages add up to {_fmt(total)}, not 100 (rounding)")
    if sum(counts.values()) != respondents:
        notes.append(f"the rounded counts add up to {sum(counts.values())}, "
                     f"not the {respondents} respondents")
    return Conversion(counts=counts, percent_total=total, notes=tuple(notes))


# -- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatementResult:
    """One statement's result in one round, from its counts under a rule."""

    counts: dict[str, int]
    answered: int  # every answer, "unable" included
    denominator: int  # what percentages are of (without "unable" if the rule says so)
    disagreeing: Fraction  # exact percentages
    agreeing: Fraction
    unable: Fraction
    per_answer: dict[str, Fraction] = field(default_factory=dict)
    consensus: str = "none"  # agree / disagree / none
    reached_by: str = ""  # which threshold reached it, in words

    @property
    def pct_disagreeing(self) -> int:
        return round_half_up(self.disagreeing)

    @property
    def pct_agreeing(self) -> int:
        return round_half_up(self.agreeing)

    @property
    def pct_unable(self) -> int:
        return round_half_up(self.unable)

    def pct(self, answer: str) -> int:
        return round_half_up(self.per_answer[answer])

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "answered": self.answered,
            "denominator": self.denominator,
            "pct_disagreeing": self.pct_disagreeing,
            "pct_agreeing": self.pct_agreeing,
            "pct_unable": self.pct_unable,
            "pct_per_answer": {a: self.pct(a) for a in SCALE},
            "consensus": self.consensus,
            "reached_by": self.reached_by,
        }


def _share(part: int, whole: int) -> Fraction:
    return Fraction(100 * part, whole) if whole else Fraction(0)


def _meets(thresholds: Sequence[Threshold], counts: Mapping[str, int],
           denominator: int) -> Threshold | None:
    if denominator == 0:
        return None
    for threshold in thresholds:
        # Exact comparison: 100 * part >= min_percent * whole, no floating point.
        if 100 * sum(counts[a] for a in threshold.answers) >= threshold.min_percent * denominator:
            return threshold
    return None


def statement_result(counts: Mapping[str, Any], rule: ConsensusRule) -> StatementResult:
    """Percentages disagreeing/agreeing/unable and the consensus flag for one statement.

    The percentage unable to answer is always of everyone who answered; the other
    percentages, and the rule's thresholds, use the rule's denominator.
    """
    counts = normalise_counts(counts)
    answered = sum(counts.values())
    denominator = answered if rule.unable_in_denominator else answered - counts[UNABLE]
    agree = _meets(rule.agreement, counts, denominator)
    disagree = _meets(rule.disagreement, counts, denominator)
    if agree and disagree:  # only possible with a rule whose thresholds are below 50%
        consensus, reached = "none", "both sides met a threshold, so neither is claimed"
    elif agree:
        consensus, reached = "agree", agree.describe()
    elif disagree:
        consensus, reached = "disagree", disagree.describe()
    else:
        consensus, reached = "none", ""
    per_answer = {a: _share(counts[a], answered if a == UNABLE else denominator) for a in SCALE}
    return StatementResult(
        counts=counts, answered=answered, denominator=denominator,
        disagreeing=_share(sum(counts[a] for a in DISAGREEING), denominator),
        agreeing=_share(sum(counts[a] for a in AGREEING), denominator),
        unable=_share(counts[UNABLE], answered),
        per_answer=per_answer, consensus=consensus, reached_by=reached)


def change_between(before: StatementResult | None, after: StatementResult) -> dict[str, Any]:
    """Percentage-point change from one round to the next (None when there is no before)."""
    if before is None:
        return {"pct_disagreeing": None, "pct_agreeing": None, "pct_unable": None,
                "consensus_before": None}
    return {
        "pct_disagreeing": after.pct_disagreeing - before.pct_disagreeing,
        "pct_agreeing": after.pct_agreeing - before.pct_agreeing,
        "pct_unable": after.pct_unable - before.pct_unable,
        "consensus_before": before.consensus,
    }


def retention(round_participants: Sequence[set[Any]]) -> list[dict[str, Any]]:
    """Participation per round and, from the second round, how many also answered the
    previous round (identities are only compared, never output)."""
    rows = []
    previous: set[Any] | None = None
    for number, people in enumerate(round_participants, start=1):
        kept = len(people & previous) if previous is not None else None
        rows.append({
            "round": number,
            "participants": len(people),
            "also_in_previous_round": kept,
            "retention_pct": (round_half_up(_share(kept, len(previous)))
                              if previous else None),
        })
        previous = people
    return rows
