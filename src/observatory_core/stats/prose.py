"""Counts in words: the one way generated prose (headlines, captions, notes, alt text, CSV
notes and JSON metadata) states a number of reviews, recommendations or children, so a
count a table hides as 'c' is never printed beside it.

In public (suppressed) output a count the rule calls small becomes "fewer than N": the same
thing the table's 'c' and its stated rule already say, and no more.
"""

from __future__ import annotations

from .suppression import SuppressionRule, load_rule


def hidden(n: int | None, *, public: bool, rule: SuppressionRule | None = None) -> bool:
    """Whether public output may not print ``n``."""
    rule = rule or load_rule()
    return bool(public and n is not None and rule.is_small(int(n)))


def count_value(n: int | None, *, public: bool, rule: SuppressionRule | None = None
                ) -> int | None:
    """``n`` for JSON metadata, or None where public output hides it."""
    return None if n is None or hidden(n, public=public, rule=rule) else int(n)


def count_phrase(n: int, singular: str, plural: str | None = None, *, public: bool,
                 rule: SuppressionRule | None = None) -> str:
    """'1 review', '1,204 reviews', or in public output for a small count 'fewer than 5
    reviews' (plural: the phrase stands for 1 to threshold-1)."""
    rule = rule or load_rule()
    plural = plural or f"{singular}s"
    if hidden(n, public=public, rule=rule):
        return f"fewer than {rule.threshold:,} {plural}"
    return f"{int(n):,} {singular if int(n) == 1 else plural}"


def count_figure(n: int, *, public: bool, rule: SuppressionRule | None = None) -> str:
    """The bare figure ('1,204'), or the suppression symbol where public output hides it
    (for 'Reviews decided in 2021: c')."""
    rule = rule or load_rule()
    return rule.symbol if hidden(n, public=public, rule=rule) else f"{int(n):,}"


def unsafe_cells(table, rule: SuppressionRule | None = None) -> list[str]:
    """Every field of every cell of a public table that would show a small count: a count
    cell's value, or any cell's ``n`` (the count behind a percentage, rate or mean). Empty
    for a table the rule allows to publish; unsuppressed (analyst) tables are not checked."""
    rule = rule or load_rule()
    if not table.suppressed_output:
        return []
    found = []
    for row in table.all_rows():
        for column, cell in zip(table.columns, row.cells, strict=True):
            if cell.suppressed:
                if cell.value is not None or cell.n is not None or cell.low is not None:
                    found.append(f"{row.label} / {column.label}: suppressed cell keeps a value")
                continue
            numbers = [cell.n]
            if column.kind == "count" and isinstance(cell.value, int):
                numbers.append(cell.value)
            if any(v is not None and rule.is_small(int(v)) for v in numbers):
                found.append(f"{row.label} / {column.label}: {cell.value!r} (n={cell.n})")
    return found
