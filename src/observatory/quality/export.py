"""The board summary of a review's Quality Marker dialogue: the timeline per marker across
the three stages, as a business manager takes it to the board. PDF is the HTML laid out by
WeasyPrint as tagged PDF/UA (as the analysis reports are); DOCX is written with python-docx;
JSON is the dialogue's data. Evidence the reader may not see is named as such, nothing more.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from typing import Any

from django.template.loader import render_to_string

from ..web.render import _Encoder
from .models import Dialogue
from .services import dialogue_data

FORMATS = {"pdf": "application/pdf",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "json": "application/json"}
TITLE = "Quality Marker dialogue: board summary"


def safe_name(reference: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", reference)[:80] or "review"


def render(dialogue: Dialogue, viewer: Any, fmt: str) -> tuple[bytes, str]:
    data = dialogue_data(dialogue, viewer)
    if fmt == "json":
        body = json.dumps(data, cls=_Encoder, ensure_ascii=False, indent=2).encode("utf-8")
    elif fmt == "docx":
        body = _docx(data)
    else:
        body = _pdf(data)
    return body, FORMATS[fmt]


def _pdf(data: dict[str, Any]) -> bytes:
    import weasyprint  # loaded only when a PDF is asked for

    from ..analysis.pdf import fetcher

    html = render_to_string("quality/summary_print.html",
                            {**data, "title": TITLE, "today": date.today()})
    return weasyprint.HTML(string=html, url_fetcher=fetcher()).write_pdf(
        pdf_variant="pdf/ua-1")


def _evidence_line(item: dict[str, Any]) -> str:
    if not item.get("visible"):
        return "Evidence you may not see"
    where = f"{item['document']}" + (f", page {item['page']}" if item.get("page") else "")
    return f"{where}: {item['text']}" if item.get("text") else where


def _docx(data: dict[str, Any]) -> bytes:
    from docx import Document

    doc = Document()
    doc.core_properties.title = f"{TITLE}: {data['review']['reference']}"
    doc.add_heading(TITLE, level=0)
    doc.add_paragraph(f"{data['review']['reference']}: {data['review']['title']}")
    doc.add_paragraph(f"Prepared {date.today():%d %B %Y}. No score is given: these are the "
                      "participants' own words.")
    doc.add_heading("Participants", level=1)
    for p in data["participants"]:
        doc.add_paragraph(p["name"], style="List Bullet")
    for marker in data["timeline"]:
        doc.add_heading(f"Quality Marker {marker['number']}: {marker['title']}", level=1)
        if marker["notice"]:
            doc.add_paragraph(f"This review uses version {marker['notice']['kept']} of the "
                              f"marker; version {marker['notice']['latest']} has since "
                              "changed: " + ", ".join(marker["notice"]["changed"]) + ".")
        for stage in marker["stages"]:
            doc.add_heading(stage["label"], level=2)
            if not (stage["entries"] or stage["next_steps"] or stage["evidence"]):
                doc.add_paragraph("Nothing recorded at this stage.")
            for e in stage["entries"]:
                doc.add_paragraph(e["author"], style="Heading 3")
                if e["where_we_are"]:
                    doc.add_paragraph(f"Where we are: {e['where_we_are']}")
                for a in e["answers"]:
                    doc.add_paragraph(f"{a['question']} {a['text']}", style="List Bullet")
                if e["found_hard"]:
                    doc.add_paragraph("Found this marker hard.")
                for o in e["obstacles"]:
                    doc.add_paragraph(f"Obstacle: {o['text']}", style="List Bullet")
                if e["helped"]:
                    doc.add_paragraph(f"What helped: {e['helped']}")
                for c in e["comments"]:
                    doc.add_paragraph(f"Comment by {c['author']}: {c['text']}")
            for s in stage["next_steps"]:
                doc.add_paragraph(f"Next step: {s['text']} (owner {s['owner']}, due "
                                  f"{s['due']:%d %B %Y})", style="List Bullet")
            for item in stage["evidence"]:
                doc.add_paragraph(f"Evidence: {_evidence_line(item)}", style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
