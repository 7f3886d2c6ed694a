"""Citing the source reports in words people use.

Rule files and code cite the five reports the product is built from by number ("seed 001
Table 1", "003 Figure 2"); people see "the 2010 analysis of 932 recommendations from serious
case reviews, Table 1". ``plain`` rewrites any such reference in a text for display, so a
source written in a data file never reaches a page, report or export in the internal form.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .datafiles import CitationsFile, shape_problems

CITATIONS_FILE = Path(__file__).parent / "data" / "citations.toml"

# "seed 001", "Seed 003", and a bare "001 Table 1" / "(003 Figure 2)" where a table, figure,
# annex, chapter or paragraph follows the number.
_SEED = re.compile(r"\b[Ss]eeds? (?P<n>00\d)\b")
_BARE = re.compile(r"(?<![\w/.-])(?P<n>00[0-4]) (?=(?:Table|Figure|Annex|ch\.|para|Appendix)\b)")


@dataclass(frozen=True)
class Report:
    number: str
    short: str
    full: str


@lru_cache(maxsize=1)
def reports() -> dict[str, Report]:
    data = tomllib.loads(CITATIONS_FILE.read_text(encoding="utf-8"))
    problems = shape_problems(CitationsFile, data)  # datafiles.py
    if problems:
        raise ValueError(f"{CITATIONS_FILE.name}: " + "; ".join(problems))
    return {n: Report(n, r["short"], r["full"]) for n, r in data["reports"].items()}


def _name(number: str, at_start: bool) -> str:
    report = reports().get(number)
    if report is None:
        return "a source report"
    return report.short[0].upper() + report.short[1:] if at_start else report.short


def _at_start(text: str, index: int) -> bool:
    before = text[:index].rstrip()
    return not before or before[-1] in ".!?\n"


def plain(text: str) -> str:
    """``text`` with every internal reference to a source report replaced by its name:
    "As in seed 001 Table 1" -> "As in the 2010 analysis of ... reviews, Table 1"."""
    if not text:
        return text

    def seed(match: re.Match[str]) -> str:
        name = _name(match.group("n"), _at_start(text, match.start()))
        following = text[match.end():match.end() + 2]
        # "seed 001 Table 1" reads "..., Table 1"; "seed 001 ch. 3" reads "..., ch. 3"
        return name + ("," if following[:1] == " " and following[1:2].isalnum() else "")

    def bare(match: re.Match[str]) -> str:
        return _name(match.group("n"), _at_start(text, match.start())) + ", "

    return _BARE.sub(bare, _SEED.sub(seed, text))


def cite(reference: str) -> str:
    """A table's reference ("001 Table 1") as a sentence: "As in the 2010 analysis ...,
    Table 1."; empty for none."""
    if not reference:
        return ""
    number, _, rest = reference.partition(" ")
    name = _name(number, at_start=False)
    return f"As in {name}{', ' + rest if rest else ''}."
