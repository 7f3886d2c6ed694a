"""A Table as the templates and reports need it: display strings, intervals and the
drill-down link of every unsuppressed cell."""

from __future__ import annotations

from typing import Any

from observatory_core.citations import cite, plain
from observatory_core.stats import Table, load_rule

from . import charts
from .filters import querystring
from .tables import REGISTRY


def drill_url(table: str, filters: dict[str, str]) -> str:
    definition = REGISTRY.get(table)
    if definition and definition.evidence == "evaluations":
        return "/analysis/evaluations/?" + querystring(filters)
    return "/analysis/drilldown/?" + querystring(filters, table=table)


def present(table: Table, *, links: bool = True) -> dict[str, Any]:
    symbol = load_rule().symbol
    definition = REGISTRY.get(table.name)
    chart = definition.chart if definition else "bar"

    columns = [{"label": c.label, "kind": c.kind,
                "ci": any(r.cells[i].low is not None or (
                    r.cells[i].suppressed and c.kind in ("percent", "rate"))
                    for r in table.all_rows())}
               for i, c in enumerate(table.columns)]

    def cells(row) -> list[dict[str, Any]]:
        out = []
        for i, (column, cell) in enumerate(zip(table.columns, row.cells, strict=True)):
            url = ""
            if links and cell.drilldown and not cell.suppressed and cell.n and \
                    column.kind in ("count",):
                url = drill_url(table.name, dict(cell.drilldown))
            out.append({"text": cell.display(symbol), "ci": cell.interval(),
                        "suppressed": cell.suppressed, "url": url,
                        "would_suppress": cell.would_suppress, "kind": column.kind,
                        "label": column.label, "ci_col": columns[i]["ci"]})
        return out

    return {
        "name": table.name, "title": table.title, "table": table,
        "description": definition.description if definition else "",
        "seed": definition.seed if definition else "",
        "citation": cite(definition.seed) if definition else "",
        "columns": columns,
        "rows": [{"label": r.label, "cells": cells(r)} for r in table.rows],
        "total": {"label": table.total.label, "cells": cells(table.total)}
        if table.total else None,
        "svg": charts.svg(table, chart), "alt": charts.alt_text(table, chart),
        "empty": table.empty, "empty_message": plain(table.empty_message),
        "rule": plain(table.rule), "notes": [plain(n) for n in table.notes],
        "source": plain(table.source),
        "test": table.test.sentence() if table.test else "",
        "suppressed_output": table.suppressed_output, "symbol": symbol,
    }
