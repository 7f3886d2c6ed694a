"""The dry-run report of ``observatory extract FILE``: what ingestion would extract, as the
JSON shape promised in issue 7 or as text for people."""

from __future__ import annotations

from typing import Any

from .types import ExtractionResult


def to_dict(result: ExtractionResult) -> dict[str, Any]:
    return {
        "file": result.filename,
        "media_type": result.media_type,
        "sha256": result.sha256,
        "parser": result.parser,
        "pages": len(result.pages),
        "sections": [{"title": s.title, "kind": s.kind, "page": s.page}
                     for s in result.sections],
        "recommendations": [{"number": r.number, "heading": r.heading, "text": r.text,
                             "addressee": r.addressee, "page": r.page}
                            for r in result.recommendations],
        "findings": [{"number": f.number, "heading": f.heading, "text": f.text,
                      "kind": f.kind, "page": f.page} for f in result.findings],
        "dataset": [{"field": d.field, "value": d.value, "confidence": d.confidence,
                     "page": d.page} for d in result.dataset],
        "personal_data": [{"kind": p.kind, "text": p.text, "page": p.page}
                          for p in result.personal_data],
        "producers": result.producers,
        "timings": {t.step: round(t.seconds, 4) for t in result.timings},
    }


def to_text(result: ExtractionResult) -> str:
    lines = [f"{result.filename}: {len(result.pages)} pages ({result.parser})", "", "Sections:"]
    lines += [f"  p{s.page:<4} {'  ' * (s.level - 1)}{s.title}  [{s.kind or '-'}]"
              for s in result.sections]
    lines += ["", f"Recommendations ({len(result.recommendations)}):"]
    for r in result.recommendations:
        lines.append(f"  p{r.page:<4} {r.number or '-':<8} [{r.addressee or '?'}] {r.text}")
    lines += ["", f"Findings ({len(result.findings)}):"]
    lines += [f"  p{f.page:<4} {f.number or '-':<10} ({f.kind}) {f.text}"
              for f in result.findings]
    lines += ["", "Dataset draft:"]
    lines += [f"  p{d.page:<4} {d.field:<24} {d.value}  ({d.confidence:.2f})"
              for d in result.dataset]
    lines += ["", f"Personal data to check ({len(result.personal_data)}):"]
    lines += [f"  p{p.page:<4} {p.kind:<14} {p.text}" for p in result.personal_data]
    return "\n".join(lines)
