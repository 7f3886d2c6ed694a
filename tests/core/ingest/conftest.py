"""Fixtures for ingestion tests: the fictional demo corpus written once per session, and
small generated files for bad-input tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory_demo import DemoDocument, build_demo_corpus, write_demo_files


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[DemoDocument, Path]]:
    """(document with its ground truth, rendered file) for the whole demo corpus."""
    directory = tmp_path_factory.mktemp("demo")
    reviews = build_demo_corpus(count=48)
    write_demo_files(reviews, directory)
    return [(doc, directory / doc.filename) for review in reviews for doc in review.documents]


def make_pdf(path: Path, pages: list[list[str]], **canvas_options: object) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, **canvas_options)
    for lines in pages:
        y = 800
        for line in lines:
            size = 16 if line.startswith("#") else 11
            c.setFont("Helvetica-Bold" if size == 16 else "Helvetica", size)
            c.drawString(60, y, line.lstrip("# "))
            y -= 26 if size == 16 else 15
        c.showPage()
    c.save()
    return path
