"""The publication gate: may this briefing or finding go on the public site, and if not,
exactly what blocks it.

Rule (data: ``data/learning/publication_gate.toml``; stated in docs/learning.md):

1. Text only from documents the public may see (the access rule's answer for the public
   role, whatever decides it: publication date, embargo, withdrawal), whose personal-data
   flags a person has all decided, and only in their redacted form.
2. Every figure through suppression, primary and secondary (``suppressed_cells``, the
   service's one suppression rule): a printed count the rule hides blocks publication.
3. No source review identifiable from the combination of its attributes shown (area, year,
   child's age band): a combination the rule lists may be shown only when at least as many
   published reviews share it as the suppression threshold.

The caller (the Django app) gathers the facts; this module only judges them, so the tests
can prove every refusal without a database.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..stats.suppression import SuppressionRule, load_rule, protect

RULE_FILE = Path(__file__).resolve().parent.parent / "data" / "learning" / "publication_gate.toml"


@dataclass(frozen=True)
class GateRule:
    attributes: Mapping[str, str]  # attribute -> its name on screen
    combinations: tuple[tuple[str, ...], ...]
    source: str


def parse_rule(data: dict, origin: str = "publication gate") -> GateRule:
    from ..datafiles import PublicationGateFile, shape_problems

    problems = shape_problems(PublicationGateFile, {"source": "(given)", **data})
    if problems:
        raise ValueError(f"{origin}: " + "; ".join(problems))
    attributes = dict(data.get("attributes", {}))
    combos = tuple(tuple(c) for c in data.get("identifiability", {}).get("combinations", []))
    unknown = sorted({a for c in combos for a in c} - set(attributes))
    if unknown or not all(combos):
        raise ValueError(f"{origin}: combinations name unknown or no attributes: {unknown}")
    return GateRule(attributes, combos, str(data.get("source", "")))


@lru_cache(maxsize=2)
def load_gate(path: Path = RULE_FILE) -> GateRule:
    return parse_rule(tomllib.loads(path.read_text(encoding="utf-8")), path.name)


@dataclass(frozen=True)
class Quote:
    """Text taken from a document into the publication."""

    where: str  # which part of the publication ("the example", "the finding")
    document: str  # how the document is named in a refusal
    public: bool  # the access rule lets the public view the document
    flags_decided: bool  # a person has decided every personal-data flag and signed off
    undecided_flags: int = 0
    redacted: bool = True  # the text is the document's redacted text


@dataclass(frozen=True)
class Figures:
    """A set of counts the publication prints (one table's column): which are printed as
    numbers, and whether their total is printed."""

    label: str
    counts: tuple[int, ...]
    printed: tuple[bool, ...]
    additive: bool = True  # the counts add up to the total (each unit in one category)
    total_printed: bool = True


@dataclass(frozen=True)
class Source:
    """A source review and the attributes of it the publication shows."""

    review: str
    shown: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    what: str
    quotes: tuple[Quote, ...] = ()
    figures: tuple[Figures, ...] = ()
    sources: tuple[Source, ...] = ()
    has_text: bool = True


@dataclass(frozen=True)
class Block:
    # not_public | flags_undecided | not_redacted | suppressed_figure | identifiable | empty
    code: str
    message: str


def suppressed_cells(counts: Sequence[int], *, additive: bool = True, total_printed: bool = True,
                     rule: SuppressionRule | None = None) -> tuple[list[bool], bool]:
    """Which of ``counts`` public output hides, and whether their total is hidden: the
    service's suppression rule, primary and secondary (``stats.suppression.protect``), as
    one column with its total. Non-additive counts (a unit in several categories) get
    primary suppression only, as in the analysis tables."""
    rule = rule or load_rule()
    if not counts:
        return [], False
    hidden = protect([[c] for c in counts], rule, row_totals=False, col_totals=total_printed,
                     additive=additive)
    total = sum(counts)
    total_hidden = (len(counts), 0) in hidden or (not additive and rule.is_small(total))
    return [(i, 0) in hidden for i in range(len(counts))], total_hidden


def check(candidate: Candidate, population: Sequence[Mapping[str, str]], *,
          rule: GateRule | None = None, suppression: SuppressionRule | None = None
          ) -> list[Block]:
    """Everything that blocks ``candidate``; an empty list means it may be published.
    ``population``: the attributes (area, year, age_band) of every published review."""
    rule = rule or load_gate()
    suppression = suppression or load_rule()
    blocks: list[Block] = []
    if not candidate.has_text:
        blocks.append(Block("empty", f"{candidate.what} has no text to publish."))
    for quote in candidate.quotes:
        blocks.extend(_quote_blocks(quote))
    for figures in candidate.figures:
        blocks.extend(_figure_blocks(figures, suppression))
    for source in candidate.sources:
        blocks.extend(_identity_blocks(source, population, rule, suppression))
    return blocks


def _quote_blocks(quote: Quote) -> list[Block]:
    out = []
    if not quote.public:
        out.append(Block("not_public", f"{quote.where.capitalize()} quotes '{quote.document}', "
                                       "which is not published to the public."))
    if quote.undecided_flags:
        n = quote.undecided_flags
        out.append(Block("flags_undecided",
                         f"{quote.where.capitalize()} quotes '{quote.document}', which has {n} "
                         f"personal-data flag{'s' if n != 1 else ''} still to decide."))
    elif not quote.flags_decided:
        out.append(Block("flags_undecided",
                         f"{quote.where.capitalize()} quotes '{quote.document}', whose "
                         "personal-data check a person has not yet signed off."))
    if not quote.redacted:
        out.append(Block("not_redacted", f"{quote.where.capitalize()} is not the redacted "
                                         f"text of '{quote.document}'."))
    return out


def _figure_blocks(figures: Figures, suppression: SuppressionRule) -> list[Block]:
    hidden, total_hidden = suppressed_cells(figures.counts, additive=figures.additive,
                                            total_printed=figures.total_printed,
                                            rule=suppression)
    out = []
    for i, (printed, hide) in enumerate(zip(figures.printed, hidden, strict=True)):
        if printed and hide:
            why = ("is below the threshold of " + str(suppression.threshold)
                   if suppression.is_small(figures.counts[i])
                   else "would let a suppressed figure be worked out from the total")
            out.append(Block("suppressed_figure",
                             f"{figures.label}: figure {i + 1} is printed but {why}; it must "
                             f"be shown as '{suppression.symbol}'."))
    if figures.total_printed and total_hidden:
        out.append(Block("suppressed_figure",
                         f"{figures.label}: the total is printed but is below the threshold of "
                         f"{suppression.threshold}."))
    return out


def _identity_blocks(source: Source, population: Sequence[Mapping[str, str]], rule: GateRule,
                     suppression: SuppressionRule) -> list[Block]:
    out = []
    for combo in rule.combinations:
        if not all(source.shown.get(a) for a in combo):
            continue
        sharing = sum(1 for other in population
                      if all(str(other.get(a, "")) == str(source.shown[a]) for a in combo))
        if sharing < suppression.threshold:
            names = " and ".join(rule.attributes[a] for a in combo)
            out.append(Block("identifiable",
                             f"Review {source.review} could be identified: its {names} are "
                             f"shown together and fewer than {suppression.threshold} published "
                             "reviews share them. Leave one of them out."))
    return out
