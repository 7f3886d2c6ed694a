"""A briefing in the Learning into Practice Project's form, drafted from coded evidence.

The form (sections and health-check questions) is data: ``data/learning/briefing_form.toml``.
``draft`` turns the evidence for one practice issue (gathered by the Django app from accepted
codes and redacted, published text) into the sections an analyst then edits. The national
figures stay structured (``Frequencies``) so that every rendering puts them through
suppression (``shown_frequencies``) instead of trusting printed prose.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..stats.suppression import SuppressionRule, load_rule
from .gate import Figures, suppressed_cells

FORM_FILE = Path(__file__).resolve().parent.parent / "data" / "learning" / "briefing_form.toml"


@dataclass(frozen=True)
class Form:
    sections: tuple[tuple[str, str], ...]  # (key, title)
    questions: tuple[str, ...]
    source: str

    def title(self, key: str) -> str:
        return dict(self.sections)[key]


@lru_cache(maxsize=2)
def load_form(path: Path = FORM_FILE) -> Form:
    from ..datafiles import BriefingFormFile, shape_problems

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    problems = shape_problems(BriefingFormFile, data)
    if problems:
        raise ValueError(f"{path.name}: " + "; ".join(problems))
    sections = tuple((s["key"], s["title"]) for s in data["sections"])
    keys = [k for k, _ in sections]
    if keys != ["issue", "example", "why", "solutions", "questions"]:
        raise ValueError(f"{path.name}: sections must be issue, example, why, solutions, "
                         f"questions (found {keys})")
    return Form(sections, tuple(data.get("questions", ())), str(data.get("source", "")))


@dataclass(frozen=True)
class Reason:
    key: str
    label: str
    count: int  # reviews with the issue in which this reason was also coded


@dataclass(frozen=True)
class Evidence:
    issue_key: str
    issue_name: str
    issue_description: str
    stage_name: str
    reviews: int  # reviews in which the issue was coded (the base of the frequencies)
    reasons: tuple[Reason, ...]
    example: str = ""  # a redacted excerpt of a public document, approved by the gate
    example_source: str = ""
    solutions: tuple[str, ...] = ()  # recommendations addressing the issue (redacted)


def frequencies(evidence: Evidence) -> dict[str, Any]:
    """The national figures of a briefing as stored with it."""
    return {"label": f"Underlying reasons in reviews where '{evidence.issue_name}' was found",
            "base": evidence.reviews,
            "rows": [{"key": r.key, "label": r.label, "count": r.count}
                     for r in evidence.reasons if r.count]}


def shown_frequencies(stored: dict[str, Any], *, public: bool,
                      rule: SuppressionRule | None = None) -> dict[str, Any]:
    """The stored figures as a reader sees them: for the public every count through
    suppression (a reason can be found with others in one review, so the counts are not
    additive: primary suppression, and the base hidden when small), with its percentage of
    the base hidden along with it."""
    rule = rule or load_rule()
    rows = stored.get("rows", [])
    counts = [int(r["count"]) for r in rows]
    hidden, _ = suppressed_cells(counts, additive=False, rule=rule) if public else (
        [False] * len(counts), False)
    base = int(stored.get("base", 0))
    base_hidden = public and rule.is_small(base)
    out_rows = []
    for row, hide in zip(rows, hidden, strict=True):
        hide = hide or base_hidden
        percent = round(100 * row["count"] / base) if base and not hide else None
        out_rows.append({"key": row["key"], "label": row["label"],
                         "count": None if hide else row["count"], "percent": percent,
                         "shown": rule.symbol if hide else f"{row['count']:,}"})
    return {"label": stored.get("label", ""), "base": None if base_hidden else base,
            "base_shown": rule.symbol if base_hidden else f"{base:,}", "rows": out_rows,
            "symbol": rule.symbol, "rule": rule.describe()}


def printed_figures(stored: dict[str, Any], shown: dict[str, Any]) -> Figures:
    """What the gate checks: the stored counts and which of them a rendering printed."""
    return Figures(label=stored.get("label", "Figures"),
                   counts=tuple(int(r["count"]) for r in stored.get("rows", [])),
                   printed=tuple(r["count"] is not None for r in shown["rows"]),
                   additive=False, total_printed=False)


def _paragraphs(*parts: str) -> str:
    from html import escape

    return "".join(f"<p>{escape(p)}</p>" for p in parts if p)


def _items(values: list[str] | tuple[str, ...]) -> str:
    from html import escape

    return "<ul>" + "".join(f"<li>{escape(v)}</li>" for v in values) + "</ul>" if values else ""


def draft(evidence: Evidence, form: Form | None = None) -> dict[str, Any]:
    """The first draft of a briefing: its title, summary and sections (safe HTML an analyst
    edits; the Django side sanitises whatever comes back) and its national figures."""
    form = form or load_form()
    name = evidence.issue_name
    reasons = [r.label for r in sorted(evidence.reasons, key=lambda r: (-r.count, r.label))
               if r.count]
    sections = {
        "issue": _paragraphs(evidence.issue_description,
                             f"It arises at this stage of work with a child and family: "
                             f"{evidence.stage_name}."),
        "example": _paragraphs(evidence.example,
                               f"From: {evidence.example_source}." if evidence.example_source
                               else "") if evidence.example else "",
        "why": _paragraphs("The underlying reasons reviews found where this issue arose, "
                           "most frequent first (national figures below):") + _items(reasons),
        "solutions": (_paragraphs("What reviews recommended where this issue arose:")
                      + _items(list(evidence.solutions))) if evidence.solutions else "",
        "questions": "<ol>" + "".join(
            f"<li>{_question(q, name)}</li>" for q in form.questions) + "</ol>",
    }
    return {"title": name, "summary": evidence.issue_description,
            "sections": sections, "figures": frequencies(evidence)}


def _question(template: str, issue: str) -> str:
    from html import escape

    return escape(template.format(issue=issue[:1].lower() + issue[1:]))
