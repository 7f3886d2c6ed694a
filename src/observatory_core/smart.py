"""SMART appraisal of a recommendation: the machine's pre-assessment with its reasons.

The criteria (specific, measurable, achievable, relevant, timely), the quality flags and the
priority bands are data in ``data/register/smart.toml`` (source cited there: seed 001,
chapter 5). ``pre_assess`` reads a recommendation's text (and whether an agency is addressed)
and answers, per criterion, "met", "not met" or "unclear" with the reasons a person sees;
a person decides each criterion (the Django ``register`` app keeps both).

Rule: a flag counts against the criteria it names; otherwise a signal that supports a
criterion makes it "met"; with neither, "unclear" (the machine cannot tell, a person must).
"""

from __future__ import annotations

import calendar
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from .datafiles import SmartRulesFile, shape_problems

RULES_FILE = Path(__file__).parent / "data" / "register" / "smart.toml"
MET, NOT_MET, UNCLEAR = "met", "not_met", "unclear"
VERDICTS = {MET: "Met", NOT_MET: "Not met", UNCLEAR: "Unclear"}


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    question: str


@dataclass(frozen=True)
class Rule:
    """A flag (counts against criteria) or a signal (counts for them)."""

    key: str
    label: str
    criteria: tuple[str, ...]
    kind: str  # any | count | none
    patterns: tuple[re.Pattern[str], ...]
    reason: str
    minimum: int = 1
    unless_addressee: bool = False


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    min_months: int
    max_months: int


@dataclass(frozen=True)
class Rules:
    version: str
    source: str
    criteria: tuple[Criterion, ...]
    flags: tuple[Rule, ...]
    signals: tuple[Rule, ...]
    bands: tuple[Band, ...]

    def band(self, key: str) -> Band:
        for band in self.bands:
            if band.key == key:
                return band
        raise KeyError(key)


@dataclass(frozen=True)
class Hit:
    key: str
    label: str
    reason: str


@dataclass
class Judgement:
    criterion: str
    verdict: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class Assessment:
    rules_version: str
    judgements: dict[str, Judgement]
    flags: list[Hit]


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    # Words match whole words; patterns holding their own anchors or classes are kept.
    out = []
    for p in patterns:
        body = p if ("\\" in p or p.startswith("^")) else rf"\b{p}\b"
        out.append(re.compile(body, re.IGNORECASE | re.MULTILINE))
    return tuple(out)


def _rule(raw: dict, criteria_key: str) -> Rule:
    return Rule(key=raw["key"], label=raw.get("label", raw["key"]),
                criteria=tuple(raw[criteria_key]), kind=raw.get("kind", "any"),
                patterns=_compile(raw.get("patterns", [])), reason=raw["reason"],
                minimum=int(raw.get("min", 1)),
                unless_addressee=bool(raw.get("unless_addressee", False)))


def parse_rules(data: dict) -> Rules:
    criteria = tuple(Criterion(c["key"], c["label"], c["question"]) for c in data["criteria"])
    keys = {c.key for c in criteria}
    flags = tuple(_rule(f, "against") for f in data.get("flags", []))
    signals = tuple(_rule(s, "supports") for s in data.get("signals", []))
    for rule in (*flags, *signals):
        unknown = set(rule.criteria) - keys
        if unknown:
            raise ValueError(f"SMART rules: '{rule.key}' names unknown criteria {sorted(unknown)}")
    bands = tuple(Band(b["key"], b["label"], int(b["min_months"]), int(b["max_months"]))
                  for b in data.get("priority", []))
    return Rules(version=str(data["version"]), source=str(data.get("source", "")),
                 criteria=criteria, flags=flags, signals=signals, bands=bands)


@lru_cache(maxsize=2)
def load_rules(path: Path = RULES_FILE) -> Rules:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    shape = shape_problems(SmartRulesFile, data)  # unknown keys, types (datafiles.py)
    if shape:
        raise ValueError(f"{path.name}: " + "; ".join(shape))
    return parse_rules(data)


def _matches(rule: Rule, text: str) -> list[str]:
    found = []
    for pattern in rule.patterns:
        found.extend(m.group(0).strip() for m in pattern.finditer(text))
    return found


def _fires(rule: Rule, text: str, addressee: str) -> Hit | None:
    found = _matches(rule, text)
    if rule.kind == "any":
        fired = bool(found)
    elif rule.kind == "count":
        fired = len(found) >= rule.minimum
    else:  # "none": nothing found (and, where asked, nobody addressed)
        fired = not found and not (rule.unless_addressee and addressee)
    if not fired:
        return None
    reason = rule.reason.format(match=found[0] if found else "", count=len(found),
                                addressee=addressee)
    return Hit(rule.key, rule.label, reason)


def _supports(rule: Rule, text: str, addressee: str) -> str | None:
    if not rule.patterns:  # a signal with no patterns stands for the addressee
        return rule.reason.format(addressee=addressee, match="") if addressee else None
    found = _matches(rule, text)
    return rule.reason.format(match=found[0], addressee=addressee) if found else None


def pre_assess(text: str, addressee: str = "", rules: Rules | None = None) -> Assessment:
    """The machine's view of one recommendation, each criterion with its reasons."""
    rules = rules or load_rules()
    judgements = {c.key: Judgement(c.key, UNCLEAR) for c in rules.criteria}
    flags = [hit for rule in rules.flags if (hit := _fires(rule, text, addressee))]
    by_key = {rule.key: rule for rule in rules.flags}
    for hit in flags:
        for criterion in by_key[hit.key].criteria:
            judgements[criterion].verdict = NOT_MET
            judgements[criterion].reasons.append(hit.reason)
    for rule in rules.signals:
        reason = _supports(rule, text, addressee)
        if reason is None:
            continue
        for criterion in rule.criteria:
            if judgements[criterion].verdict == UNCLEAR:
                judgements[criterion].verdict = MET
                judgements[criterion].reasons.append(reason)
    for judgement in judgements.values():
        if not judgement.reasons:
            judgement.reasons.append("Nothing in the wording decides this; a person must judge.")
    return Assessment(rules.version, judgements, flags)


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, on the same day or the month's last day."""
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_window(start: date, band_key: str, rules: Rules | None = None) -> tuple[date, date]:
    """The earliest and latest due date a band allows from the plan's start. High priority
    runs from the start itself (0-3 months); the latest date is the default due date."""
    band = (rules or load_rules()).band(band_key)
    return start, add_months(start, band.max_months)


def check_due(start: date, band_key: str, due: date | None,
              rules: Rules | None = None) -> tuple[date | None, str]:
    """The due date to store (the band's latest when none is given) and a problem, if any."""
    rules = rules or load_rules()
    try:
        earliest, latest = due_window(start, band_key, rules)
    except KeyError:
        names = ", ".join(b.key for b in rules.bands)
        return None, f"'{band_key}' is not a priority band ({names})"
    if due is None:
        return latest, ""
    if due < start:
        return None, f"the due date {due:%d %B %Y} is before the plan starts ({start:%d %B %Y})"
    if due > latest:
        band = rules.band(band_key)
        return None, (f"the due date {due:%d %B %Y} is after the {band.label.lower()} priority "
                      f"band ends ({latest:%d %B %Y}, {band.max_months} months from the start)")
    return due, ""
