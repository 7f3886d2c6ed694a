"""The demonstration corpus: reviews, their records and their documents, invented.

``build_demo_corpus`` invents reviews (a ``ReviewRecord`` each, coded from the shipped
vocabularies and set in local authorities that existed at the time) together with the
documents such a review produces: overview reports, executive summaries, individual
management reviews (IMRs) and chronologies. ``write_demo_files`` renders them as PDF
(reportlab) and DOCX (python-docx) so lists, filters and charts have something to show, and so
ingestion code has realistic material with a known answer: each document keeps the
recommendations it prints (``DemoDocument.recommendations``) and the invented identifiers it
contains (``DemoDocument.personal_data``).

Nothing here describes a real child, family or case. The people are only 'Child X', 'Mother',
'Father', 'Mr B' (the mother's partner), 'Sibling 1' and professional roles; the identifiers
are from ranges reserved for fiction or testing (01632 960 / 07700 900 telephone numbers,
ZZ99 postcodes, NHS numbers beginning 999). Every document says
'FICTIONAL DEMONSTRATION DOCUMENT' in its first line, its title and on every page.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from observatory_core.dataset import ReviewRecord
from observatory_core.vocab import Term, Vocabulary, load_vocabularies

MARKER = "FICTIONAL DEMONSTRATION DOCUMENT"
FIRST_YEAR = 2008
LAST_YEAR = 2025
# Nothing in the corpus happens after this day, so the output never depends on today's date.
AS_OF = date(2025, 12, 31)
# Safeguarding partners replaced LSCBs: reviews decided from this year are not SCRs.
FIRST_PARTNERSHIP_YEAR = 2019

Fmt = Literal["pdf", "docx"]


# --------------------------------------------------------------------------- data classes


@dataclass
class DemoSection:
    """A heading and its body. ``style`` says how the paragraphs are laid out: 'text',
    'bullets', or 'numbered' (numbers added by the renderer, as Word list numbering does).
    ``table`` rows follow the paragraphs; the first row is the header row."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    level: int = 1
    style: Literal["text", "bullets", "numbered"] = "text"
    table: list[list[str]] | None = None


@dataclass
class DemoDocument:
    kind: str  # a document_kind code
    title: str
    filename: str
    fmt: Fmt
    sections: list[DemoSection]
    # Lines printed under the title on the first page (board, date, disclaimer ...).
    front_matter: list[str] = field(default_factory=list)
    # Ground truth: (number as printed, e.g. '1.', '2.3', '(b)', 'R4', 'Recommendation 3:',
    # or '' when unnumbered; addressee agency code; text as printed after the number).
    recommendations: list[tuple[str, str, str]] = field(default_factory=list)
    # Ground truth: (kind, value) of every invented identifier printed in the document;
    # kinds are 'date_of_birth', 'postcode', 'phone', 'nhs_number'.
    personal_data: list[tuple[str, str]] = field(default_factory=list)
    agency: str | None = None  # author agency code of an IMR
    page_numbers: Literal["n_of_m", "n"] = "n_of_m"


@dataclass
class DemoReview:
    record: ReviewRecord
    documents: list[DemoDocument]


# --------------------------------------------------------------------------- phrase banks
# Placeholders: {child}, {their} (child's possessive), {role} (a professional), {month}.

_PHRASES = Path(__file__).with_name("data") / "phrases.toml"


def _tuples(value: Any) -> Any:
    """TOML arrays as tuples (the banks are read-only), tables as dicts, recursively."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


_BANKS: dict[str, Any] = _tuples(tomllib.loads(_PHRASES.read_text(encoding="utf-8")))
# Placeholders: {child}, {their} (child's possessive), {role} (a professional), {month}.
AGENCY_HINTS: dict[str, tuple[str, ...]] = _BANKS["agency_hints"]
ROLES: dict[str, tuple[str, ...]] = _BANKS["roles"]
INCIDENTS: tuple[tuple[str, str, str, str], ...] = _BANKS["incidents"]
THEMES: dict[str, dict[str, tuple[str, ...]]] = _BANKS["themes"]
PRACTICE_CONTEXT: tuple[str, ...] = _BANKS["practice_context"]
HISTORY_COMMENTS: tuple[str, ...] = _BANKS["history_comments"]
THEME_NAMES: dict[str, str] = _BANKS["theme_names"]
GOOD_PRACTICE: tuple[str, ...] = _BANKS["good_practice"]
EVENTS: tuple[tuple[str, str, str, str], ...] = _BANKS["events"]
METHOD_TEXT: dict[str, str] = _BANKS["method_text"]
GLOSSARY: tuple[tuple[str, str], ...] = _BANKS["glossary"]
PANEL_ROLES: tuple[str, ...] = _BANKS["panel_roles"]
SECTION_NAMES: dict[str, tuple[str, ...]] = _BANKS["section_names"]



GROUPS = ("infant", "young", "school", "teen")












HEADING_STYLES = ("numbered", "upper", "decimal", "section", "plain")
REC_SHAPES = ("plain", "dotted", "letter", "r_prefix", "word", "bullets", "table")
CHILD_LETTERS = "ACDEFGHJKLMNPQRSTUVWXY"  # not B: Mr B is the mother's partner
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
ORDINALS = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
            "Eleven", "Twelve")
ALPHABET = "abcdefghijklmnopqrstuvwxyz"


# --------------------------------------------------------------------------- helpers


def _month_year(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.year}"


def _dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _deck(rng: random.Random, codes: Sequence[str], n: int,
          weights: Sequence[float] | None = None) -> list[str]:
    """``n`` codes containing every code at least once (when n allows), the rest weighted."""
    chosen = list(codes)[:n]
    if n > len(chosen):
        chosen += rng.choices(list(codes), weights=weights, k=n - len(chosen))
    rng.shuffle(chosen)
    return chosen


def _words(term: Term) -> list[str]:
    aliases = term.attributes.get("aliases", [])
    return [term.code.replace("_", " "), term.label, *[str(a) for a in aliases]]


def _resolve_agencies(agency: Vocabulary) -> dict[str, str]:
    """Map each AGENCY_HINTS key to an agency code, by words in the vocabulary."""
    resolved: dict[str, str] = {}
    for hint, keywords in AGENCY_HINTS.items():
        # An exact name first ('school' is Education, not the 'school nurse' of community
        # health), then the keyword as a whole word anywhere in a name.
        for keyword in keywords:
            term = next((t for t in agency.terms
                         if any(w.casefold() == keyword for w in _words(t))), None)
            if term is None:
                pattern = re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)", re.IGNORECASE)
                term = next((t for t in agency.terms
                             if any(pattern.search(w) for w in _words(t))), None)
            if term:
                resolved[hint] = term.code
                break
    return resolved


def _find_code(vocab: Vocabulary, *keywords: str) -> str | None:
    for term in vocab.terms:
        text = " ".join(_words(term)).casefold()
        if any(k in text for k in keywords):
            return term.code
    return None


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _nhs_number(rng: random.Random) -> str:
    """A number in the NHS test range (999...) with a valid modulus 11 check digit."""
    while True:
        digits = [9, 9, 9] + [rng.randrange(10) for _ in range(6)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 10:
            continue
        digits.append(0 if check == 11 else check)
        s = "".join(map(str, digits))
        return f"{s[:3]} {s[3:6]} {s[6:]}"


def _postcode(rng: random.Random) -> str:
    return f"ZZ99 {rng.randrange(10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"01632 960 {rng.randrange(1000):03d}"
    return f"07700 900 {rng.randrange(1000):03d}"


# --------------------------------------------------------------------------- planning


@dataclass
class _Case:
    record: ReviewRecord
    rng: random.Random
    letter: str
    group: str
    incident: str
    la_name: str
    region_name: str
    board: str
    hints: dict[str, str]  # hint -> agency code
    agency_vocab: Vocabulary
    method_label: str
    themes: list[str]
    events: list[tuple[date, str, str]]  # (date, agency hint, text)
    has_partner: bool
    has_sibling: bool
    dob: date
    in_progress: bool

    @property
    def child(self) -> str:
        return f"Child {self.letter}"

    @property
    def their(self) -> str:
        return {"female": "her", "male": "his"}.get(self.record.child_sex or "", "their")

    def usable(self, templates: Sequence[str]) -> list[str]:
        """Templates that mention only the family members this case has."""
        return [t for t in templates if (self.has_partner or "Mr B" not in t)
                and (self.has_sibling or "Sibling 1" not in t)]

    def fill(self, template: str, hint: str | None = None) -> str:
        roles = ROLES.get(hint or "", ()) or tuple(r for rs in ROLES.values() for r in rs)
        if self.events:
            month = self.events[self.rng.randrange(len(self.events))][0]
        else:
            month = self.record.incident_date or AS_OF
        return _sentence_case(template.format(child=self.child, their=self.their,
                                              role=self.rng.choice(roles),
                                              month=_month_year(month)))


def _age_text(months: int) -> str:
    if months == 0:
        return "newborn"
    if months < 12:
        return f"{months}-month-old"
    return f"{months // 12}-year-old"


def _group(months: int) -> str:
    if months < 12:
        return "infant"
    if months < 60:
        return "young"
    if months < 132:
        return "school"
    return "teen"


def _valid(la: Any, *days: date) -> bool:
    return all((la.start_date is None or la.start_date <= d)
               and (la.end_date is None or d < la.end_date) for d in days)


def _dates(rng: random.Random, year: int, review_type: str,
           criminal: bool) -> tuple[dict[str, date | None], bool]:
    """Dates in DATE_ORDER for a review decided in ``year``; and whether it is in progress."""
    latest = date(year, 12, 31) if year < LAST_YEAR else date(year, 10, 31)
    decision = date(year, 1, 1) + timedelta(days=rng.randrange((latest - date(year, 1, 1)).days))
    if review_type == "rapid_review":
        notification = decision - timedelta(days=rng.randint(5, 15))
    else:
        notification = decision - timedelta(days=rng.randint(10, 60))
    incident = notification - timedelta(days=rng.randint(1, 10))
    start = decision + timedelta(days=rng.randint(2, 10) if review_type == "rapid_review"
                                 else rng.randint(14, 75))
    if review_type == "rapid_review":
        completion = start + timedelta(days=rng.randint(14, 28))
    elif rng.random() < 0.35:  # late: more than six months after the decision
        completion = decision + timedelta(days=rng.randint(200, 600))
    else:
        completion = decision + timedelta(days=rng.randint(max(120, (start - decision).days + 60),
                                                           182))
    delay = rng.randint(30, 180) + (rng.randint(180, 540) if criminal else 0)
    publication = completion + timedelta(days=delay)
    in_progress = completion > AS_OF or (year >= LAST_YEAR - 1 and rng.random() < 0.5)
    values: dict[str, date | None] = {
        "incident_date": incident, "notification_date": notification, "decision_date": decision,
        "start_date": start, "completion_date": None if in_progress else completion,
        "publication_date": None,
    }
    published = not in_progress and publication <= AS_OF and (
        review_type != "rapid_review" or rng.random() < 0.3) and rng.random() < 0.93
    if published:
        values["publication_date"] = publication
    return values, in_progress


def _age_months(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.42:  # under one, mostly very young babies
        return rng.choices(range(12), weights=(8, 7, 6, 5, 4, 4, 3, 3, 2, 2, 2, 2))[0]
    if r < 0.58:
        return rng.randint(12, 59)
    if r < 0.72:
        return rng.randint(60, 131)
    return rng.randint(132, 215)


def _plan(count: int, seed: int, vocabs: dict[str, Vocabulary],
          authorities: list[Any]) -> list[_Case]:
    rng = random.Random(seed)
    english = sorted((la for la in authorities if la.gss_code.startswith("E")),
                     key=lambda la: la.gss_code)
    regions = sorted({(la.region_code, la.region_name) for la in english if la.region_code})
    years = _deck(rng, range(FIRST_YEAR, LAST_YEAR + 1), count)
    region_deck = _deck(rng, [code for code, _ in regions], count)
    outcomes = vocabs["outcome"].codes()
    n_death = round(count * 0.6)
    outcome_deck = ["death"] * n_death + ["serious_harm"] * (count - n_death)
    rng.shuffle(outcome_deck)
    sexes = vocabs["sex"].codes()
    sex_deck = _deck(rng, sexes, count,
                     [0.06 if c == "not_known" else 1.0 for c in sexes])
    eth = vocabs["ethnicity"]
    eth_weights = [8.0 if t.label.casefold() == "white british" else
                   0.3 if t.code in ("refu", "nobt") or "not" in t.label.casefold() or
                   "refused" in t.label.casefold() else 1.0 for t in eth.terms]
    eth_deck = _deck(rng, eth.codes(), count, eth_weights)
    method_deck = _deck(rng, vocabs["review_method"].codes(), count)
    hints = _resolve_agencies(vocabs["agency"])
    family_codes = vocabs["family_characteristic"].codes()
    proceedings = vocabs["parallel_proceeding"]
    criminal = _find_code(proceedings, "criminal", "prosecution")
    inquest = _find_code(proceedings, "inquest", "coroner")
    dhr = _find_code(proceedings, "domestic homicide")
    care = _find_code(proceedings, "care proceedings")
    review_types = vocabs["review_type"].codes()
    letters = list(CHILD_LETTERS)

    cases: list[_Case] = []
    for i in range(count):
        year = years[i]
        review_type = _review_type(rng, year, review_types)
        outcome = outcome_deck[i]
        age = _age_months(rng)
        group = _group(age)
        candidates = [x for x in INCIDENTS if x[0] == group and x[1] == outcome] or [
            x for x in INCIDENTS if x[0] == group]
        _, _, primary, incident = rng.choice(candidates)
        abuse = [primary] + rng.sample(
            [c for c in vocabs["abuse_category"].codes() if c != primary], rng.choice((0, 0, 1, 2)))
        family = rng.sample(family_codes, rng.randint(1, 5))
        has_partner = "men_in_household" in family or rng.random() < 0.5
        procs: list[str] = []
        if criminal and (primary in ("physical_abuse", "sexual_abuse") or rng.random() < 0.2):
            procs.append(criminal)
        if inquest and outcome == "death" and rng.random() < 0.8:
            procs.append(inquest)
        if care and rng.random() < 0.35:
            procs.append(care)
        if dhr and outcome == "death" and "domestic_abuse" in family and rng.random() < 0.4:
            procs.append(dhr)
        for code in proceedings.codes():
            if code not in procs and code not in (criminal, inquest, dhr, care) \
                    and rng.random() < 0.08:
                procs.append(code)
        dates, in_progress = _dates(rng, year, review_type, criminal in procs)
        incident_date = dates["incident_date"]
        decision_date = dates["decision_date"]
        assert incident_date and decision_date
        region = region_deck[i]
        la = _pick_authority(rng, english, region, incident_date, decision_date)
        dob = incident_date - timedelta(days=int(age * 30.44) + rng.randint(0, 25))
        if dob >= incident_date:
            dob = incident_date - timedelta(days=rng.randint(1, 20))
        themes = _themes(rng, group, abuse, family, has_partner)
        has_sibling = rng.random() < 0.6
        events = _events(rng, group, themes, dob, incident_date, hints, has_partner, has_sibling)
        agencies = sorted({hints[h] for _, h, _ in events if h in hints}
                          | {hints[h] for h in ("csc", "police") if h in hints})
        letter = letters[i % len(letters)]
        board_kind = "Safeguarding Children Board" if year < FIRST_PARTNERSHIP_YEAR \
            else "Safeguarding Children Partnership"
        cp_plan = rng.random() < 0.3
        looked_after = group == "teen" and rng.random() < 0.3
        record = ReviewRecord(
            reference="",
            title="",
            local_authority=la.gss_code,
            review_type=review_type,
            review_method=method_deck[i],
            outcome=outcome if outcome in outcomes else None,
            child_age_months=age,
            child_sex=sex_deck[i],
            child_ethnicity=eth_deck[i],
            child_disability=rng.random() < 0.15,
            child_protection_plan=cp_plan,
            looked_after=looked_after,
            known_to_csc=cp_plan or looked_after or rng.random() < 0.55,
            abuse_categories=sorted(abuse),
            family_characteristics=sorted(family),
            agencies=agencies,
            parallel_proceedings=sorted(procs),
            fictional=True,
            **dates,
        )
        method = vocabs["review_method"].get(method_deck[i])
        cases.append(_Case(
            record=record, rng=random.Random(rng.random()), letter=letter, group=group,
            incident=incident, la_name=la.name, region_name=la.region_name,
            board=f"{la.name} {board_kind}", hints=hints, agency_vocab=vocabs["agency"],
            method_label=method.label if method else "", themes=themes, events=events,
            has_partner=has_partner, has_sibling=has_sibling, dob=dob,
            in_progress=in_progress,
        ))
    cases.sort(key=lambda c: (c.record.decision_date or AS_OF, c.record.local_authority))
    for n, case in enumerate(cases, start=1):
        rec = case.record
        assert rec.decision_date
        rec.reference = f"DEMO-{rec.decision_date.year}-{n:03d}"
        type_term = vocabs["review_type"].get(rec.review_type)
        rec.title = f"{case.child} (fictional) - {type_term.label if type_term else 'Review'}"
        rec.summary = _summary(case)
    return cases


def _review_type(rng: random.Random, year: int, codes: list[str]) -> str:
    def ok(code: str) -> str:
        return code if code in codes else codes[0]

    if year < FIRST_PARTNERSHIP_YEAR:
        return ok("other") if rng.random() < 0.06 else ok("scr")
    r = rng.random()
    if r < 0.62:
        return ok("lcspr")
    if r < 0.82:
        return ok("rapid_review")
    if r < 0.92:
        return ok("national")
    return ok("other")


def _pick_authority(rng: random.Random, english: list[Any], region: str, *days: date) -> Any:
    valid = [la for la in english if la.region_code == region and _valid(la, *days)
             and "scilly" not in la.name.casefold() and "city of london" not in la.name.casefold()]
    if not valid:
        valid = [la for la in english if _valid(la, *days)]
    abolished = [la for la in valid if la.end_date is not None]
    if abolished and rng.random() < 0.45:
        return rng.choice(abolished)
    return rng.choice(valid)


def _themes(rng: random.Random, group: str, abuse: list[str], family: list[str],
            has_partner: bool) -> list[str]:
    core = ["assessment", "information_sharing", "escalation", "voice_of_child", "supervision",
            "thresholds", "curiosity"]
    specific: list[str] = []
    if group == "infant":
        specific += ["safe_sleep", "bruising"] if "physical_abuse" in abuse else ["safe_sleep"]
    if group in ("young", "school") or "neglect" in abuse:
        specific.append("neglect_drift")
    if group in ("school", "teen"):
        specific.append("education")
    if group == "teen":
        specific += ["exploitation", "child_mental_health"]
    if has_partner:
        specific.append("male_carers")
    for code, theme in (("domestic", "domestic_abuse"), ("mental", "mental_health"),
                        ("substance", "substance_misuse")):
        if any(code in f for f in family):
            specific.append(theme)
    rng.shuffle(specific)
    chosen = specific[: rng.randint(1, 3)] + rng.sample(core, rng.randint(2, 4))
    rng.shuffle(chosen)
    return chosen


def _events(rng: random.Random, group: str, themes: list[str], dob: date, incident: date,
            hints: dict[str, str], has_partner: bool,
            has_sibling: bool) -> list[tuple[date, str, str]]:
    pool = [e for e in EVENTS if (not e[1] or e[1] == group) and e[0] in hints
            and (has_partner or "Mr B" not in e[3]) and (has_sibling or "Sibling 1" not in e[3])]
    preferred = [e for e in pool if e[2] in themes]
    others = [e for e in pool if e[2] not in themes]
    n = rng.randint(8, 16)
    picked = preferred[:]
    rng.shuffle(picked)
    rng.shuffle(others)
    picked = (picked + others)[:n]
    begin = dob - timedelta(days=200) if group == "infant" else max(
        dob, incident - timedelta(days=rng.randint(500, 1400)))
    span = max((incident - begin).days - 2, len(picked) + 1)
    days = sorted(rng.sample(range(1, span), len(picked)))
    events = [(begin + timedelta(days=d), hint, text) for d, (hint, _, _, text) in
              zip(days, picked, strict=True)]
    # Antenatal and birth events belong before or at the birth, the rest after.
    events.sort(key=lambda e: (0 if "pregnan" in e[2] or "Antenatal" in e[2] or " born " in e[2]
                               else 1, e[0]))
    fixed = sorted(e[0] for e in events)
    return [(d, h, t) for d, (_, h, t) in zip(fixed, events, strict=True)]


def _child_noun(case: _Case) -> str:
    noun = {"female": "girl", "male": "boy"}.get(case.record.child_sex or "", "child")
    return "baby" if noun == "child" and (case.record.child_age_months or 0) < 12 else noun


def _summary(case: _Case) -> str:
    rec = case.record
    assert rec.incident_date is not None and rec.child_age_months is not None
    sex = _child_noun(case)
    themes = [THEME_NAMES[t] for t in case.themes[:3]]
    known = ("was known to children's social care" if rec.known_to_csc
             else "was not known to children's social care")
    return (f"This fictional review concerns {case.child}, a {_age_text(rec.child_age_months)} "
            f"{sex} who {case.incident} in {_month_year(rec.incident_date)}. "
            f"The family {known.replace('was', 'were', 1)}, and {len(rec.agencies)} agencies "
            f"had been involved. The review's main themes are {', '.join(themes[:-1])} and "
            f"{themes[-1]}." if len(themes) > 1 else
            f"This fictional review concerns {case.child}, a {_age_text(rec.child_age_months)} "
            f"{sex} who {case.incident} in {_month_year(rec.incident_date)}. "
            f"The review's main theme is {themes[0]}.")


# --------------------------------------------------------------------------- documents


def _agency_name(case: _Case, code: str, *, heading: bool = False) -> str:
    term = case.agency_vocab.get(code)
    if term is None:
        return code
    aliases = [str(a) for a in term.attributes.get("aliases", [])]
    options = [term.label] + [a for a in aliases if a[:1].islower() and " " in a]
    if code == case.hints.get("board"):
        partnership = (case.record.decision_date or AS_OF).year >= FIRST_PARTNERSHIP_YEAR
        options = ["the safeguarding partners", "the Safeguarding Children Partnership"] \
            if partnership else ["the LSCB", "the Local Safeguarding Children Board"]
    name = case.rng.choice(options)
    return name[:1].upper() + name[1:] if heading else name


def _disclaimer(case: _Case) -> str:
    return (f"This document is fictional. It was generated to demonstrate software and does not "
            f"describe any real child, family, practitioner or case. {case.la_name} has not "
            f"commissioned or published it, and any resemblance to real events is coincidence.")


class _Headings:
    """Numbering and wording of headings, varied per report."""

    def __init__(self, style: str, case: _Case) -> None:
        self.style = style
        self.case = case
        self.n = 0
        self.para = 0

    def __call__(self, key: str) -> str:
        self.n += 1
        self.para = 0
        name = self.case.rng.choice(SECTION_NAMES[key]).format(child=self.case.child)
        return self.number(name)

    def number(self, name: str) -> str:
        if self.style == "numbered":
            return f"{self.n}. {name}"
        if self.style == "upper":
            return name.upper()
        if self.style == "decimal":
            return f"{self.n}.0 {name}"
        if self.style == "section":
            return f"Part {ORDINALS[(self.n - 1) % len(ORDINALS)]} - {name}"
        return name

    def paras(self, texts: list[str]) -> list[str]:
        if self.style != "decimal":
            return texts
        out = []
        for text in texts:
            self.para += 1
            out.append(f"{self.n}.{self.para} {text}")
        return out


class _Pool:
    """Sentences drawn without repetition until the bank runs out, then reshuffled."""

    def __init__(self, case: _Case, bank: Sequence[str]) -> None:
        self.case = case
        self.bank = list(bank)
        self.left: list[str] = []

    def take(self, n: int) -> list[str]:
        out = []
        for _ in range(n):
            if not self.left:
                self.left = self.bank[:]
                self.case.rng.shuffle(self.left)
            out.append(self.case.fill(self.left.pop()))
        return out


def _paragraph(case: _Case, theme: str, k: int) -> str:
    bank = case.usable(THEMES[theme]["text"])
    case.rng.shuffle(bank)
    return " ".join(case.fill(s) for s in bank[:k])


def _recommendations(case: _Case, n: int) -> list[tuple[str, str]]:
    """(agency code, action) pairs, spread over themes and agencies."""
    addressees = [c for c in case.record.agencies if c != case.hints.get("board")]
    board = case.hints.get("board")
    if case.record.review_type == "national" and "government" in case.hints:
        addressees.append(case.hints["government"])
    actions: list[tuple[str, str]] = []
    themes = case.themes + [t for t in THEMES if t not in case.themes]
    used: set[str] = set()
    while len(actions) < n:
        for theme in themes:
            options = [a for a in THEMES[theme]["action"] if a not in used]
            if not options:
                continue
            action = case.rng.choice(options)
            used.add(action)
            code = board if board and case.rng.random() < 0.25 else case.rng.choice(addressees)
            actions.append((code, action))
            if len(actions) >= n:
                break
        else:
            if not any(a not in used for t in themes for a in THEMES[t]["action"]):
                break
    return actions


def _rec_section(case: _Case, heads: _Headings, n: int,
                 shape: str) -> tuple[list[DemoSection], list[tuple[str, str, str]]]:
    heading = heads("recommendations")
    pairs = _recommendations(case, n)
    intro = case.rng.choice((
        "The panel makes the following recommendations. Agencies should provide an action plan "
        "within three months.",
        "The recommendations below are addressed to the agencies named. Progress will be "
        "monitored by the partnership's learning and improvement group.",
        "This review makes the following recommendations.",
    ))
    truth: list[tuple[str, str, str]] = []
    sections: list[DemoSection] = []
    body: list[str] = [intro]
    late = case.rng.choice(("", " and report progress to the partnership within six months",
                            " and report on progress within twelve months"))

    def inline(code: str, action: str, i: int) -> str:
        suffix = late if i % 3 == 0 else ""
        name = _agency_name(case, code)  # one pick: both halves must name the same agency
        return f"{name[:1].upper()}{name[1:]} should {action}{suffix}."

    if shape in ("bullets", "table"):
        groups: dict[str, list[str]] = {}
        for code, action in pairs:
            groups.setdefault(code, []).append(action)
        if shape == "bullets":
            sections.append(DemoSection(heading, heads.paras([intro])))
            for code, acts in groups.items():
                texts = [_sentence_case(a) + "." for a in acts]
                sections.append(DemoSection(_agency_name(case, code, heading=True), texts,
                                            level=2, style="bullets"))
                truth += [("", code, t) for t in texts]
            return sections, truth
        numbered = case.rng.random() < 0.5
        rows = [["No.", "Agency", "Recommendation"] if numbered else ["Agency", "Recommendation"]]
        i = 0
        for code, acts in groups.items():
            for action in acts:
                i += 1
                text = _sentence_case(action) + "."
                name = _agency_name(case, code, heading=True)
                rows.append([str(i), name, text] if numbered else [name, text])
                truth.append((str(i) if numbered else "", code, text))
        return [DemoSection(heading, heads.paras([intro]), table=rows)], truth

    for i, (code, action) in enumerate(pairs, start=1):
        text = inline(code, action, i)
        if shape == "plain":
            number = f"{i}."
        elif shape == "dotted":
            number = f"{heads.n}.{i}" if heads.style in ("numbered", "decimal") else f"1.{i}"
        elif shape == "letter":
            number = f"({ALPHABET[(i - 1) % 26]})"
        elif shape == "r_prefix":
            number = f"R{i}"
        else:
            number = f"Recommendation {i}:"
        body.append(f"{number} {text}")
        truth.append((number, code, text))
    if heads.style == "decimal":
        # Paragraph numbers and recommendation numbers would collide; number the intro only.
        body[0] = heads.paras([intro])[0]
    sections.append(DemoSection(heading, body))
    return sections, truth


def _doc_name(case: _Case, kind: str, fmt: Fmt, extra: str = "") -> str:
    slug = kind.replace("_", "-") + (f"-{extra}" if extra else "")
    return f"{case.record.reference}-{slug}.{fmt}"


def _front(case: _Case, label: str) -> list[str]:
    rec = case.record
    when = rec.publication_date or rec.completion_date or rec.start_date or AS_OF
    lines = [label, f"Commissioned by: {case.board} (fictional)",
             "Independent reviewer: an independent safeguarding consultant (fictional)",
             f"{'Published' if rec.publication_date else 'Dated'}: {_month_year(when)}"]
    return lines + [_disclaimer(case)]


def _overview(case: _Case) -> DemoDocument:
    rng = case.rng
    rec = case.record
    assert rec.incident_date and rec.decision_date and rec.child_age_months is not None
    heads = _Headings(rng.choice(HEADING_STYLES), case)
    target = rng.randint(5, 15)  # sets the length: about target + 1 pages
    secs: list[DemoSection] = []
    review_label = rec.title.split(" - ", 1)[1]
    type_words = "serious case review" if rec.review_type == "scr" else "review"

    intro = [
        f"This report is the overview report of the {type_words} into the circumstances of "
        f"{case.child}, a {_age_text(rec.child_age_months)} {_child_noun(case)} who "
        f"{case.incident} in "
        f"{_month_year(rec.incident_date)}.",
        f"{case.board} decided on {rec.decision_date.strftime('%d %B %Y')} that the criteria "
        f"for a {review_label.lower()} were met. The purpose of the review is to identify "
        f"improvements needed and to consolidate good practice, not to apportion blame.",
        "The names of the child and family members have been replaced by descriptions to "
        "protect their privacy. Professionals are referred to by role.",
        _disclaimer(case),
    ]
    secs.append(DemoSection(heads("introduction"), heads.paras(intro)))

    period_start = case.events[0][0] if case.events else rec.incident_date
    terms_items = [
        f"The review considered agency involvement with {case.child} and the family from "
        f"{_month_year(period_start)} to {_month_year(rec.incident_date)}.",
        *[f"How effective was practice in relation to {THEME_NAMES[t]}?" for t in case.themes],
        "Were the child's needs and the family's circumstances understood by all agencies?",
    ]
    terms_head = heads("terms")
    secs.append(DemoSection(terms_head, heads.paras([
        "The panel agreed the following terms of reference and key lines of enquiry:"])))
    secs.append(DemoSection("", terms_items, level=2, style="numbered"))

    method = METHOD_TEXT.get(rec.review_method or "", (
        f"The panel agreed a proportionate, bespoke approach ({case.method_label.lower()}), "
        f"combining a review of agency records with conversations with practitioners."))
    method_paras = [
        method,
        f"The review panel met {rng.randint(3, 8)} times and included senior representatives "
        f"of the agencies involved. Membership is listed in the appendix.",
        rng.choice((
            "Mother and Father were invited to contribute. Mother met the reviewer and her "
            "views are reflected in the report; Father did not respond.",
            "The family were informed of the review and invited to take part, but declined.",
            "Mother contributed to the review by telephone. Her views have been included where "
            "she agreed.")),
    ]
    if rec.parallel_proceedings:
        method_paras.append("Parallel proceedings affected the timing of the review, and the "
                            "panel took care not to prejudice them.")
    secs.append(DemoSection(heads("method"), heads.paras(method_paras)))

    family = [f"{case.child} lived with Mother" + (" and Sibling 1" if case.has_sibling else "")
              + " in rented accommodation in the area."]
    family.append(rng.choice((
        "Father lived nearby and saw the children at weekends.",
        "Father did not live with the family and had little contact.",
        "Father had no contact with the family after the separation.")))
    if case.has_partner:
        family.append("Mr B, Mother's partner, began living at the address for part of the "
                      "week during the period under review. His involvement was not known to "
                      "most agencies.")
    family.append("Mother had experienced difficulties in her own childhood and had limited "
                  "support from her wider family.")
    secs.append(DemoSection(heads("family"), heads.paras([" ".join(family)])))

    pool = _Pool(case, PRACTICE_CONTEXT)
    history_head = heads("chronology")
    history = []
    for d, hint, text in case.events:
        comment = case.fill(rng.choice(HISTORY_COMMENTS))
        history.append(f"In {_month_year(d)}: {case.fill(text, hint)} {comment}".strip())
    for k in range(max(0, target - 6)):
        history.insert(2 + k * 2, " ".join(pool.take(3)))
    secs.append(DemoSection(history_head, heads.paras(history)))

    analysis_head = heads("analysis")
    secs.append(DemoSection(analysis_head, heads.paras([rng.choice((
        "The panel identified the following findings.",
        "This section analyses the practice described above against the terms of reference.",
        "The findings below explain why practice happened as it did.")) ])))
    generic_per_finding = max(1, round(target * 6 / len(case.themes)))
    for k, theme in enumerate(case.themes, start=1):
        title = rng.choice(THEMES[theme]["title"]).format(child=case.child)
        head = f"Finding {k}: {title}" if rng.random() < 0.7 else (
            f"{heads.n}.{k} {title}" if heads.style in ("numbered", "decimal") else title)
        own = [case.fill(x) for x in case.usable(THEMES[theme]["text"])]
        rng.shuffle(own)
        generic = pool.take(generic_per_finding)
        paras = [" ".join(own[j:j + 2] + generic[j // 2:j // 2 + 1])
                 for j in range(0, len(own), 2)]
        paras += [" ".join(generic[len(paras):][j:j + 2])
                  for j in range(0, max(0, len(generic) - len(paras)), 2)]
        paras.append(case.fill(rng.choice(THEMES[theme]["lesson"])))
        secs.append(DemoSection(head, paras, level=2))

    lessons = [case.fill(rng.choice(THEMES[t]["lesson"])) for t in case.themes]
    secs.append(DemoSection(heads("lessons"), heads.paras(lessons),
                            style=rng.choice(("text", "bullets"))))
    good = [case.fill(g) for g in rng.sample(case.usable(GOOD_PRACTICE), rng.randint(2, 4))]
    secs.append(DemoSection(heads("good"), heads.paras(good)))
    conclusions = [
        f"{case.child}'s death was not predictable" if rec.outcome == "death" else
        f"The harm to {case.child} could not have been predicted with certainty",
        "but the review has identified a number of points at which a different response might "
        "have changed the course of events.",
    ]
    secs.append(DemoSection(heads("conclusions"), heads.paras([
        " ".join(conclusions),
        "The partnership has accepted the findings, and agencies have already begun to act on "
        "them."])))

    shape = rng.choice(REC_SHAPES)
    rec_secs, truth = _rec_section(case, heads, rng.randint(4, 20), shape)
    secs += rec_secs

    heads.style = heads.style if heads.style != "section" else "plain"
    panel = [[role, f"Agency representative {i}"] for i, role in
             enumerate(rng.sample(PANEL_ROLES, rng.randint(5, 8)), start=1)]
    secs.append(DemoSection(rng.choice(("Appendix 1: Panel membership",
                                        "Appendix A - Review panel membership",
                                        "APPENDIX 1 - PANEL")),
                            ["The panel members are described by role."],
                            table=[["Role", "Member"], *panel]))
    secs.append(DemoSection(rng.choice(("Appendix 2: Glossary", "Appendix B - Glossary of terms",
                                        "GLOSSARY")),
                            [f"{a} - {b}" for a, b in GLOSSARY]))
    title = f"{MARKER} - {rec.title} - Overview report"
    return DemoDocument(
        kind="overview_report", title=title, filename=_doc_name(case, "overview_report", "pdf"),
        fmt="pdf", sections=secs, front_matter=_front(case, "Overview report"),
        recommendations=truth, page_numbers=rng.choice(("n_of_m", "n")))


def _executive_summary(case: _Case, overview: DemoDocument | None) -> DemoDocument:
    rng = case.rng
    rec = case.record
    secs = [
        DemoSection("Introduction", [rec.summary, _disclaimer(case)]),
        DemoSection("Key findings", [
            case.fill(rng.choice(THEMES[t]["title"])) + ". " + _paragraph(case, t, 2)
            for t in case.themes], style="numbered"),
    ]
    truth: list[tuple[str, str, str]] = []
    if overview and overview.recommendations and rng.random() < 0.6:
        lines = []
        for number, code, text in overview.recommendations:
            lines.append(f"{number} {text}".strip() if number else
                         f"{_agency_name(case, code, heading=True)}: {text}")
            truth.append((number, code, text))
        secs.append(DemoSection("Recommendations", lines))
    else:
        secs.append(DemoSection("Recommendations", [
            "The full report makes recommendations to the agencies involved; they are set out "
            "in the overview report."]))
    return DemoDocument(
        kind="executive_summary", title=f"{MARKER} - {rec.title} - Executive summary",
        filename=_doc_name(case, "executive_summary", "docx"), fmt="docx", sections=secs,
        front_matter=_front(case, "Executive summary"), recommendations=truth)


def _identity_block(case: _Case) -> tuple[list[str], list[tuple[str, str]]]:
    rng = case.rng
    dob = _dmy(case.dob)
    nhs = _nhs_number(rng)
    postcode = _postcode(rng)
    phone = _phone(rng)
    lines = [f"Subject: {case.child}, date of birth {dob}, NHS number {nhs}.",
             f"Address at the time: [street withheld], {postcode}.",
             f"Mother's contact telephone number as recorded: {phone}."]
    return lines, [("date_of_birth", dob), ("nhs_number", nhs), ("postcode", postcode),
                   ("phone", phone)]


def _imr(case: _Case, hint: str, code: str) -> DemoDocument:
    rng = case.rng
    rec = case.record
    name = _agency_name(case, code, heading=True)
    ident, pd = _identity_block(case)
    own = [(d, t) for d, h, t in case.events if h == hint] or [
        (d, t) for d, _, t in case.events[:3]]
    involvement = [f"{_dmy(d)}: {case.fill(t, hint)}" for d, t in own]
    extra_phone = _phone(rng)
    when = own[-1][0] if own else rec.incident_date or AS_OF
    involvement.append(f"{_dmy(when)}: Mother telephoned from {extra_phone} to cancel an "
                       f"appointment.")
    pd.append(("phone", extra_phone))
    analysis = [_paragraph(case, t, 3) for t in case.themes[:3]]
    actions = rng.sample([a for t in case.themes for a in THEMES[t]["action"]],
                         min(rng.randint(2, 5), sum(len(THEMES[t]["action"])
                                                    for t in case.themes)))
    recs = [(f"{i}.", code, f"{name} should {a}.") for i, a in enumerate(actions, start=1)]
    fmt: Fmt = rng.choice(("pdf", "docx"))
    secs = [
        DemoSection("Confidential: identifying information", ident + [
            "This document is confidential and is not for publication.", _disclaimer(case)]),
        DemoSection("1. Introduction", [
            f"This individual management review was prepared by {name} for the "
            f"{_type_label(rec.review_type)} concerning {case.child}. The author is a senior "
            f"manager with no line management responsibility for the practitioners involved."]),
        DemoSection("2. Agency involvement", involvement, style="bullets"),
        DemoSection("3. Analysis of involvement", analysis),
        DemoSection("4. Recommendations for the agency", [f"{n} {t}" for n, _, t in recs]),
    ]
    slug = re.sub(r"[^a-z0-9]+", "-", (code or hint).lower()).strip("-")
    return DemoDocument(
        kind="imr", title=f"{MARKER} - {rec.title} - Individual management review: {name}",
        filename=_doc_name(case, "imr", fmt, slug), fmt=fmt, sections=secs,
        front_matter=[f"Individual management review: {name}", "CONFIDENTIAL"],
        recommendations=recs, personal_data=pd, agency=code)


def _type_label(review_type: str) -> str:
    return {"scr": "serious case review", "lcspr": "local child safeguarding practice review",
            "rapid_review": "rapid review", "national": "national review"}.get(
        review_type, "review")


def _chronology(case: _Case) -> DemoDocument:
    rng = case.rng
    rec = case.record
    ident, pd = _identity_block(case)
    rows = [["Date", "Agency", "Event", "Comment"]]
    for d, hint, text in case.events:
        code = case.hints.get(hint)
        rows.append([_dmy(d), _agency_name(case, code, heading=True) if code else "Other",
                     case.fill(text, hint), rng.choice(("", "Missed opportunity",
                                                        "Not shared", "Appropriate"))])
    phone = _phone(rng)
    assert rec.incident_date and rec.notification_date
    rows.append([_dmy(rec.incident_date), "Police", f"Ambulance called to the address by "
                 f"Mother from {phone}. {case.child} {case.incident}.", "Incident"])
    rows.append([_dmy(rec.notification_date), "Children's social care",
                 "Serious incident notification made.", ""])
    pd.append(("phone", phone))
    secs = [DemoSection("Confidential: identifying information", ident + [_disclaimer(case)]),
            DemoSection("Combined multi-agency chronology", [
                "Events are listed in date order. Entries are summarised from agency records."],
                table=rows)]
    return DemoDocument(
        kind="chronology", title=f"{MARKER} - {rec.title} - Multi-agency chronology",
        filename=_doc_name(case, "chronology", "docx"), fmt="docx", sections=secs,
        front_matter=["Combined chronology", "CONFIDENTIAL"], personal_data=pd)


def _documents(case: _Case) -> list[DemoDocument]:
    rng = case.rng
    docs: list[DemoDocument] = []
    overview = None
    if not case.in_progress and (case.record.review_type != "rapid_review" or rng.random() < 0.5) \
            and rng.random() < 0.92:
        overview = _overview(case)
        docs.append(overview)
    if overview and rng.random() < 0.55:
        docs.append(_executive_summary(case, overview))
    imr_chance = 0.7 if case.record.review_method in ("traditional", "hybrid") else 0.25
    if case.record.review_type in ("scr", "lcspr") and rng.random() < imr_chance:
        by_code: dict[str, str] = {}
        for _, hint, _ in case.events:
            if hint in case.hints:
                by_code.setdefault(case.hints[hint], hint)
        codes = sorted(by_code)
        for code in rng.sample(codes, min(len(codes), rng.randint(1, 3))):
            docs.append(_imr(case, by_code[code], code))
    if rng.random() < 0.4:
        docs.append(_chronology(case))
    return docs


def build_demo_corpus(count: int = 48, seed: int = 2026, *,
                      vocabularies: dict[str, Vocabulary] | None = None,
                      authorities: list[Any] | None = None) -> list[DemoReview]:
    """A fictional corpus of ``count`` reviews; the same seed always gives the same corpus."""
    vocabs = vocabularies or load_vocabularies()
    if authorities is None:
        from observatory_core.places import load_local_authorities

        authorities = list(load_local_authorities())
    cases = _plan(count, seed, vocabs, authorities)
    return [DemoReview(record=c.record, documents=_documents(c)) for c in cases]
