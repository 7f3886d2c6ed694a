"""Split recommendations and findings out of the sectioned text, by rules written as data
(``data/ingest/recommendations.toml``).

Recommendations are taken from sections whose kind (or whose nearest recognised parent's
kind) is ``recommendations`` - which includes 'Areas for improvement' and 'What needs to
improve' in inspection reports - in any of these shapes: numbered paragraphs ('1.', '2.3',
'(a)', 'a)', 'R1', 'Recommendation 3:'), bullets under an agency heading, 'Agency: text'
lines, and table rows (agency | recommendation, or number | agency | recommendation).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .agencies import AgencyMatch, AgencyResolver, default_resolver
from .framing import document_frame, frame_addressees
from .rules import compile_pattern, load_rules
from .sections import effective_kind
from .types import Finding, Passage, Recommendation, Section

STEP = "split_recommendations"


@dataclass(frozen=True)
class RecRules:
    numbering: tuple[tuple[str, re.Pattern[str], bool], ...]
    skip: tuple[re.Pattern[str], ...]
    lead_in_addressee: re.Pattern[str] | None
    text_header: tuple[re.Pattern[str], ...]
    agency_header: tuple[re.Pattern[str], ...]
    number_header: tuple[re.Pattern[str], ...]
    lead_in: str
    verbs: str
    finding_heading: re.Pattern[str]
    finding_sections: dict[str, str]
    timescales: tuple[re.Pattern[str], ...] = ()
    clause_opener: re.Pattern[str] | None = None
    trailing_reference: re.Pattern[str] | None = None
    footnote: re.Pattern[str] | None = None

    @classmethod
    def load(cls, data: dict[str, Any] | None = None) -> RecRules:
        data = data or load_rules("recommendations")
        table = data.get("table", {})
        addressee = data.get("addressee", {})
        findings = data.get("findings", {})
        return cls(
            numbering=tuple((n["id"], compile_pattern(n["pattern"], 0),
                             bool(n.get("unnumbered", False))) for n in data["numbering"]),
            skip=tuple(compile_pattern(p) for p in data.get("skip", [])),
            lead_in_addressee=compile_pattern(data["lead_in_addressee"])
            if data.get("lead_in_addressee") else None,
            text_header=tuple(compile_pattern(p) for p in table.get("text_header", [])),
            agency_header=tuple(compile_pattern(p) for p in table.get("agency_header", [])),
            number_header=tuple(compile_pattern(p) for p in table.get("number_header", [])),
            lead_in=addressee.get("lead_in", r"^(?:the\s+)?"),
            verbs=addressee.get("verbs", r"(?:should|must)"),
            finding_heading=compile_pattern(findings.get("heading", r"^(?P<num>Finding \d+)"
                                                         r":\s*(?P<title>.+)$")),
            finding_sections=dict(findings.get("sections", {})),
            timescales=tuple(compile_pattern(p) for p in data.get("timescale", {})
                             .get("patterns", [])),
            footnote=compile_pattern(data["footnote"], 0) if data.get("footnote") else None,
            clause_opener=compile_pattern(addressee["clause_opener"])
            if addressee.get("clause_opener") else None,
            trailing_reference=compile_pattern(data["trailing_reference"])
            if data.get("trailing_reference") else None,
        )


# A sentence's subject: the words before its first verb (or the whole of a short item
# that has none, such as 'Increased capacity in the police triage team.').
SUBJECT = re.compile(
    r"^(?P<subject>.{3,120}?)(?:\s(?:is|are|was|were|has|have|had|do|does|did|should|must|"
    r"needs?|needed|can|could|would|will|remains?|lacks?|means|results|requires?|"
    r"continues?|not)\b|[.;:]\s|[.;:]?$)", re.IGNORECASE | re.DOTALL)


def split_number(text: str, rules: RecRules) -> tuple[str | None, str, str | None]:
    """(number as printed or None, the text after it, the numbering rule id)."""
    for rule_id, pattern, unnumbered in rules.numbering:
        match = pattern.match(text)
        if match:
            number = None if unnumbered else match.group("num").strip()
            return number, text[match.end():].strip(), rule_id
    return None, text.strip(), None


@dataclass
class _Table:
    text_col: int | None = None
    agency_col: int | None = None
    number_col: int | None = None


class _Splitter:
    def __init__(self, text: str, sections: Sequence[Section], parents: Sequence[int | None],
                 rules: RecRules, resolver: AgencyResolver) -> None:
        self.text = text
        self.sections = sections
        self.parents = parents
        self.rules = rules
        self.resolver = resolver
        self.out: list[Recommendation] = []
        self.table = _Table()
        self.last_passage: int | None = None
        self.pending: AgencyMatch | None = None  # named by an introduction '... should:'
        self.body_size: float | None = None  # passages set much smaller are footnotes
        self.heading_index: int | None = None  # index of the last heading passage seen
        # An item ending ':' opens a list of its own sub-points, marked differently from it.
        self.sub_points_of: str | None = None  # the opening item's marker ('' if none)
        self.source = ""  # where the last addressee() found its answer: text | heading
        # The stated timescale the items sit under ('Within three months:'), as
        # (normalised, as printed), until the next heading that is not one.
        self.timescale: tuple[str, str] | None = None
        # Sections (recommendations sections and their sub-sections) whose list has no
        # numbered or bulleted passage at all: there each paragraph is an item.
        self.paragraph_items: frozenset[int] = frozenset()

    def heading_of(self, p: Passage) -> str:
        return self.sections[p.section_index].title if p.section_index is not None else ""

    def agency_heading(self, p: Passage) -> AgencyMatch | None:
        """An agency named by the heading the passage sits under (innermost first)."""
        index = p.section_index
        while index is not None:
            # '7. Recommendations for the DfE': the section's own number is not part of it.
            title = re.sub(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+", "", self.sections[index].title)
            match = self.resolver.whole(title)
            if match:
                return match
            index = self.parents[index]
        return None

    def addressee(self, body: str, p: Passage) -> tuple[AgencyMatch | None, float]:
        match, confidence, self.source = self._addressee(body, p)
        if match is None:
            self.source = ""
        return match, confidence

    def _addressee(self, body: str, p: Passage) -> tuple[AgencyMatch | None, float, str]:
        """(agency, confidence, source): source 'text' when the item's own words name it,
        'heading' when an agency heading or a lead-in ('X should:') above it does."""
        label = re.match(r"^([^:]{2,80}):\s+\S", body)
        if label:
            match = self.resolver.whole(label.group(1))
            if match:
                return match, 0.95, "text"
        start = re.match(self.rules.lead_in, body, re.IGNORECASE)
        offset = start.end() if start else 0
        for match in self.resolver.find_all(body[offset:offset + 120])[:1]:
            between = body[offset + match.end:offset + match.end + 40]
            if match.start == 0 and re.match(r"^\s*(?:\([^)]*\)\s*)?(?:,[^,]*,\s*)?(?:and|"
                                             + self.rules.verbs + ")", between, re.I):
                if between.lstrip().lower().startswith("and"):
                    break  # joint addressees: leave to the heading or the first mention
                return match, 0.6 if match.generic else 0.9, "text"
        verb = re.search(r"\s(?:should|must|needs? to|is asked to|are asked to)\b", body[:100])
        if verb:
            near = self.resolver.near(body[offset:verb.start()])
            if near:
                return near, 0.6, "text"
        heading = self.agency_heading(p)
        if heading:
            return heading, 0.85, "heading"
        tail = re.search(r"\(([^()]{2,60})\)\s*\.?\s*$|^\(([^()]{2,60})\)", body)
        if tail:
            match = self.resolver.whole(tail.group(1) or tail.group(2))
            if match:
                return match, 0.8, "text"
        if self.pending:
            return self.pending, 0.6, "heading"
        verb = re.search(r"\b(?:should|must|needs? to|is asked to|are asked to)\b", body[:150],
                         re.I)
        if verb:
            mentions = self.resolver.find_all(body[:verb.start()])
            if mentions:
                return mentions[0], 0.5, "text"
        return self.subject_agency(body), 0.4, "text"

    def subject_agency(self, body: str) -> AgencyMatch | None:
        """The agency at the head of the sentence's subject ('Police officers do not
        always...', 'Health services...', 'The probation service's oversight...'):
        inspection letters' areas for improvement are written so. None when the subject
        names no agency, several ('Staff within children's social care and partner
        agencies'), or names one only further in ('Clarity regarding ... education
        plans')."""
        opener = self.rules.clause_opener.match(body) if self.rules.clause_opener else None
        if opener is not None:
            body = body[opener.end():]
        subject = SUBJECT.match(body)
        if subject is None:
            return None
        words = subject.group("subject")
        found = self.resolver.find_all(words)
        if not found or len({m.code for m in found}) > 1 or re.search(
                r"\b(?:and|or)\s+(?:other\s+|partner\s+)?(?:partners|agencies)\b", words, re.I):
            return None
        head = re.match(r"^(?:the|all|some|most|many|our)\s+", words, re.IGNORECASE)
        return found[0] if found[0].start == (head.end() if head else 0) else None

    def add(self, p: Passage, number: str | None, body: str, rule: str,
            agency: AgencyMatch | None, confidence: float) -> None:
        body = body.strip()
        if len(body) < 8:
            return
        self.out.append(Recommendation(
            number=number, heading=self.heading_of(p), text=body,
            addressee=agency.code if agency else None,
            addressee_text=agency.text if agency else None, page=p.page, start=p.start,
            end=p.end, confidence=round(confidence, 2), rule=f"{STEP}.{rule}",
            addressee_source=(self.source or "text") if agency else "",
            addressee_basis=agency.text if agency else "",
            timescale=self.timescale[0] if self.timescale else None,
            timescale_basis=self.timescale[1] if self.timescale else ""))
        self.last_passage = p.index

    def passage(self, p: Passage) -> None:
        body = self.text[p.start:p.end].strip()
        if p.kind == "table_row" and p.cells:
            self.row(p, list(p.cells))
            return
        self.table = _Table()
        if p.font_size and self.body_size and p.font_size < 0.85 * self.body_size:
            return
        if self.is_footnote(p, body):
            return
        if any(s.search(body) for s in self.rules.skip):
            self.set_timescale(body)
            self.lead_in(body)
            return
        number, rest, rule = split_number(body, self.rules)
        marker = body[:1] if rule == "bullet" else (rule or "")
        if rule == "bullet" and self.sub_point(p, marker, rest):
            return
        self.sub_points_of = None
        if rule is None and self.lead_in_item(p, body):
            return
        if rule is not None and (number is not None or p.kind == "list_item"):
            agency, conf = self.addressee(rest, p)
            label = re.match(r"^([^:]{2,80}):\s+", rest)
            if label and agency and agency.text == label.group(1).strip():
                rest = rest[label.end():]
            self.add(p, number, rest, rule, agency, 0.9 if number else 0.8)
            if agency:
                self.out[-1] = replace(self.out[-1], confidence=round(
                    min(self.out[-1].confidence, max(conf, 0.5)), 2))
            if self.opens_list(rest):
                self.sub_points_of = marker
            return
        label = re.match(r"^([^:]{2,80}):\s+(.+)$", body, re.S)
        if label:
            agency = self.resolver.whole(label.group(1))
            if agency:
                self.source = "text"
                self.add(p, None, label.group(2), "agency_label", agency, 0.85)
                return
        if self.continues(p, body):
            prev = self.out[-1]
            self.out[-1] = replace(prev, text=f"{prev.text} {body}", end=p.end)
            self.last_passage = p.index
            return
        if p.section_index in self.paragraph_items and body[:1].isupper() \
                and not body.endswith(":"):
            agency, conf = self.addressee(body, p)
            # Unmarked paragraphs are items only by elimination: checked first by people.
            self.add(p, None, body, "paragraph", agency, min(0.6, max(conf, 0.5)))

    def opens_list(self, body: str) -> bool:
        """The item ends ':' (its sub-points follow), perhaps before a reference to the
        report's paragraphs ('... looked after by: (paragraph 150)', Cheshire East 2015)."""
        if self.rules.trailing_reference is not None:
            body = self.rules.trailing_reference.sub("", body)
        return body.rstrip().endswith(":")

    def sub_point(self, p: Passage, marker: str, body: str) -> bool:
        """A bullet right after an item that ends ':' ('... workflows and:') and marked
        differently from it ('o' under '\u2022') is a sub-point of that item, not an item of
        its own (issue 7 gold set, Essex report p. 13 and 15)."""
        if (self.sub_points_of is None or p.kind != "list_item"
                or marker == self.sub_points_of or self.last_passage is None
                or p.index != self.last_passage + 1):
            return False
        prev = self.out[-1]
        self.out[-1] = replace(prev, text=f"{prev.text} {body}", end=p.end)
        self.last_passage = p.index
        return True

    def lead_in_item(self, p: Passage, body: str) -> bool:
        """A sentence ending ':' straight under an agency heading ('Recommendations for
        DfE:' / 'Review the approach to ...:') is itself the recommendation; the bullets
        after it are its sub-points. Lead-ins that name who should act ('X should:') are
        caught earlier by the skip rules."""
        if (p.kind != "paragraph" or not body.endswith(":") or self.heading_index is None
                or p.index != self.heading_index + 1):
            return False
        agency = self.agency_heading(p)
        if agency is None:
            return False
        self.source = "heading"
        self.add(p, None, body, "lead_in_item", agency, 0.7)
        self.sub_points_of = ""
        return True

    def lead_in(self, body: str) -> None:
        pattern = self.rules.lead_in_addressee
        match = pattern.search(body) if pattern else None
        if match:
            who = match.group("who")
            # 'The Department for Children, Schools and Families should:' - the lead-in's
            # comma cuts ``who`` short, so look for the longest name in the whole clause.
            clause = body[:match.end("who")]
            clause = clause[max(clause.rfind("."), clause.rfind(":")) + 1:]
            self.pending = self.resolver.whole(who) or next(
                iter(self.resolver.find_all(clause)), None)

    def continues(self, p: Passage, body: str) -> bool:
        """An unmarked paragraph straight after an item is more of it when it starts in
        lower case, or when the item ends ':' (its sub-points follow), or when the item
        stopped mid-sentence (a page break or running header
        cut it: 'Croydon University' / 'Hospital is not aware ...'), or when the items
        are bulleted and it is a further paragraph of the bullet before any heading."""
        if not self.out or self.last_passage is None or p.index != self.last_passage + 1:
            return False
        if body[:1].islower():
            return True
        prev = self.out[-1]
        if prev.text.rstrip()[-1:] not in ".!?:;)\u201d\u2019\"'":
            return True
        if self.opens_list(prev.text) and p.kind == "paragraph":
            return True  # '... by:' and its sub-points ('- improving ...', Cornwall 2016)
        return (prev.rule == f"{STEP}.bullet" and p.section_index not in self.paragraph_items
                and not body.endswith(":") and p.kind == "paragraph"
                and prev.text.rstrip().endswith("."))

    def is_footnote(self, p: Passage, body: str) -> bool:
        """A footnote ('2 www.legislation.gov.uk/...', '2 The Children Act 2004 ...') is
        a short number followed by text, whose number was printed glued to a word above it
        ('... individual agencies.2'): not an item (York 2018 gave it as one)."""
        match = self.rules.footnote.match(body) if self.rules.footnote else None
        if match is None:
            return False
        number = match.group("num")
        before = self.text[max(0, p.start - 6000):p.start]
        return re.search(rf"[^\W\d][.,;:)\u2019\u201d]?{number}(?=\s)", before) is not None

    def set_timescale(self, body: str) -> bool:
        """A sub-heading or line that states when the items under it must be done
        ('Immediately:', 'Within three months:') sets their timescale."""
        line = body.strip().rstrip(":").strip()
        for pattern in self.rules.timescales:
            if pattern.fullmatch(line):
                self.timescale = (" ".join(line.lower().split()), body.strip())
                return True
        return False

    def header(self, cells: list[str]) -> bool:
        def has(patterns: Sequence[re.Pattern[str]], cell: str) -> bool:
            return any(pt.search(cell.strip()) for pt in patterns)

        text_cols = [i for i, c in enumerate(cells) if has(self.rules.text_header, c)]
        if not text_cols or any(len(c) > 60 for c in cells):
            return False
        self.table = _Table(
            text_col=text_cols[-1],
            agency_col=next((i for i, c in enumerate(cells) if i != text_cols[-1]
                             and has(self.rules.agency_header, c)), None),
            number_col=next((i for i, c in enumerate(cells)
                             if has(self.rules.number_header, c)), None))
        return True

    def row(self, p: Passage, cells: list[str]) -> None:
        if self.header(cells):
            return
        table = self.table
        if table.text_col is None:  # no header: guess from the cells
            longest = max(range(len(cells)), key=lambda i: len(cells[i]))
            if len(cells[longest]) < 50 or len(cells[longest].split()) < 8:
                return  # a row of names or labels, not a recommendation table
            table.text_col = longest
            table.agency_col = next((i for i, c in enumerate(cells) if i != table.text_col
                                     and self.resolver.whole(c)), None)
            table.number_col = next((i for i, c in enumerate(cells)
                                     if re.fullmatch(r"[A-Z]?\d{1,3}(\.\d{1,2})?\.?", c)), None)
        if table.text_col >= len(cells):
            return
        body = cells[table.text_col]
        number = cells[table.number_col].strip() or None if table.number_col is not None \
            and table.number_col < len(cells) else None
        agency = None
        if table.agency_col is not None and table.agency_col < len(cells):
            agency = self.resolver.whole(cells[table.agency_col]) or next(
                iter(self.resolver.find_all(cells[table.agency_col])), None)
        confidence, self.source = 0.9, "text"
        if agency is None:
            agency, confidence = self.addressee(body, p)
        if number is None and not body.strip():
            return
        inner_number, rest, _ = split_number(body, self.rules)
        self.add(p, number or inner_number, rest if inner_number else body, "table", agency,
                 min(0.9, max(confidence, 0.5)))


def split_recommendations(text: str, passages: Sequence[Passage], sections: Sequence[Section],
                          parents: Sequence[int | None], rules: RecRules | None = None,
                          resolver: AgencyResolver | None = None) -> tuple[Recommendation, ...]:
    splitter = _Splitter(text, sections, parents, rules or RecRules.load(),
                         resolver or default_resolver())
    sizes = Counter(round(p.font_size, 1) for p in passages if p.font_size)
    splitter.body_size = sizes.most_common(1)[0][0] if sizes else None
    frame = document_frame(text)
    if frame is not None and frame[0].paragraph_items:
        splitter.paragraph_items = _unmarked_sections(text, passages, sections, parents,
                                                      splitter.rules)
    for p in passages:
        if p.kind in ("heading", "title"):
            splitter.table = _Table()
            splitter.heading_index = p.index
            if not splitter.set_timescale(text[p.start:p.end]):
                splitter.timescale = None
            if p.section_index is not None and sections[p.section_index].level <= 2 and \
                    sections[p.section_index].kind is not None:
                splitter.pending = None
            continue
        if effective_kind(p.section_index, sections, parents) == "recommendations":
            splitter.passage(p)
    return frame_addressees(text, sections, splitter.out)


def _unmarked_sections(text: str, passages: Sequence[Passage], sections: Sequence[Section],
                       parents: Sequence[int | None], rules: RecRules) -> frozenset[int]:
    """The recommendations sections (with their sub-sections) where no passage is
    numbered, bulleted or a table row: the text layer lost the bullets (Peterborough
    2017 and York 2018 joint inspection letters), so each paragraph is an item."""
    def top(index: int | None) -> int | None:
        found = None
        while index is not None:
            if sections[index].kind == "recommendations":
                found = index
            index = parents[index]
        return found

    marked: set[int] = set()
    seen: dict[int, int] = {}
    for p in passages:
        if p.kind in ("heading", "title") or p.section_index is None:
            continue
        root = top(p.section_index)
        if root is None:
            continue
        seen[p.section_index] = root
        body = text[p.start:p.end].strip()
        if p.kind in ("list_item", "table_row") or split_number(body, rules)[2] is not None:
            marked.add(root)
    return frozenset(i for i, root in seen.items() if root not in marked)


def split_findings(text: str, passages: Sequence[Passage], sections: Sequence[Section],
                   parents: Sequence[int | None], rules: RecRules | None = None
                   ) -> tuple[Finding, ...]:
    """Findings, lessons and strengths that the report numbers, bullets or heads."""
    rules = rules or RecRules.load()
    out: list[Finding] = []
    for p in passages:
        kind = effective_kind(p.section_index, sections, parents)
        body = text[p.start:p.end].strip()
        heading = sections[p.section_index].title if p.section_index is not None else ""
        if p.kind == "heading":
            match = rules.finding_heading.match(body)
            if match:
                out.append(Finding(number=match.group("num"), heading=heading,
                                   text=match.group("title").strip(), kind="finding",
                                   page=p.page, start=p.start, end=p.end, confidence=0.9,
                                   rule="split_findings.heading"))
            continue
        finding_kind = rules.finding_sections.get(kind or "")
        if finding_kind is None or p.kind != "list_item":
            continue
        number, rest, rule = split_number(body, rules)
        if rule is None or len(rest) < 8:
            continue
        out.append(Finding(number=number, heading=heading, text=rest, kind=finding_kind,
                           page=p.page, start=p.start, end=p.end,
                           confidence=0.8 if number else 0.7, rule=f"split_findings.{rule}"))
    return tuple(out)
