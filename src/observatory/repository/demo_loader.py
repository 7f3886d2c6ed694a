"""Load the fictional demo corpus (observatory_demo) into the database."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from observatory_core.tabular import record_to_row, write_csv
from observatory_demo import build_demo_corpus, write_demo_files

from ..vocabularies.models import Term
from .dataset_io import import_dataset
from .models import Review
from .services import store_version


@dataclass
class DemoReport:
    reviews: int
    documents: int
    skipped: bool = False


def load_demo(count: int = 48, seed: int = 2026,
              progress: Callable[[int, int], None] | None = None) -> DemoReport:
    """Create the demo reviews and their generated PDF/DOCX documents, all or nothing."""
    corpus = build_demo_corpus(count=count, seed=seed)
    csv_bytes = write_csv(record_to_row(item.record) for item in corpus)
    kinds = {t.code: t for t in Term.objects.filter(vocabulary__key="document_kind")}
    documents = 0
    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        report = import_dataset("demo-corpus.csv", csv_bytes)
        if not report.ok:
            raise ValueError("demo corpus does not validate: "
                             + "; ".join(str(p) for p in report.problems[:5]))
        files = write_demo_files(corpus, Path(tmp))
        for done, item in enumerate(corpus, start=1):
            review = Review.objects.get(reference=item.record.reference)
            by_name = {p.name: p for p in files.get(item.record.reference, [])}
            for doc in item.documents:
                path = by_name.get(doc.filename)
                if path is None:
                    continue
                with path.open("rb") as stream:
                    result = store_version(review=review, kind=kinds[doc.kind],
                                           filename=doc.filename, stream=stream,
                                           title=doc.title)
                documents += result.created
            if progress:
                progress(done, len(corpus))
    return DemoReport(reviews=len(corpus), documents=documents)
