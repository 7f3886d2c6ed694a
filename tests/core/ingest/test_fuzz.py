"""Fuzz every parser entry point with random and mutated bytes: the only exception allowed
is IngestError. More examples: `make fuzz` (the 'fuzz' marker, any hypothesis profile)."""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory_core.ingest import IngestError, Limits, extract
from observatory_core.ingest.parsers import registered

from ..mutation import MUTATIONS, mutate
from .conftest import make_pdf

pytestmark = pytest.mark.fuzz
LIMITS = Limits(max_pages=50, max_text_chars=2_000_000)


@functools.cache
def _seeds(directory: str) -> dict[str, bytes]:
    import docx

    root = Path(directory)
    pdf = make_pdf(root / "seed.pdf", [["# Recommendations", "1. The police should act."]])
    document = docx.Document()
    document.add_heading("Recommendations", 1)
    document.add_paragraph("1. The LSCB should act.")
    document.save(str(root / "seed.docx"))
    return {"pdf": pdf.read_bytes(), "docx": (root / "seed.docx").read_bytes(),
            "html": b"<html><body><h1>Recommendations</h1><ol><li>Police should act.</li>"
                    b"</ol><script>x()</script></body></html>",
            "txt": b"Recommendations\n\n1. The LSCB should act.\n"}


def _check(run) -> None:  # noqa: ANN001
    with contextlib.suppress(IngestError):
        run()


# `make fuzz` raises this to a campaign (FUZZ_EXAMPLES=5000); the suite runs a quick pass.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(data=st.binary(max_size=2048), ext=st.sampled_from(["pdf", "docx", "html", "txt"]))
def test_random_bytes_through_the_pipeline(data, ext):
    _check(lambda: extract(data, f"fuzz.{ext}", limits=LIMITS))


@FUZZ
@given(ext=st.sampled_from(["pdf", "docx", "html", "txt"]), **MUTATIONS)
def test_mutated_files_through_every_parser(tmp_path_factory, ext, edits, cut):
    seeds = _seeds(str(tmp_path_factory.getbasetemp()))
    data = mutate(seeds[ext], edits, cut)
    _check(lambda: extract(data, f"fuzz.{ext}", limits=LIMITS))
    for parser in registered().values():  # each parser directly, whatever the content
        _check(lambda p=parser: p.parse(data, f"fuzz.{ext}", LIMITS))

