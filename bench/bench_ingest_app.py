"""Upload to keyword-searchable, through the Django app (issue 7, 'Measure').

    python bench/bench_ingest_app.py [--repeat N]

For a demo overview report PDF and a generated 100-page report: time from
``store_version`` (the upload's storage step) until the first search for a phrase of the
file finds it, with the immediate task backend (so the task runs at commit, as the worker
would run it at once on an idle machine), on a throwaway SQLite database (or the one
``DATABASE_URL`` names), and the ratio to raw pypdfium2 text extraction of the same file.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-app-"))
    os.environ.setdefault("OBSERVATORY_DATA", str(tmp / "data"))
    os.environ["OBSERVATORY_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from datetime import date

    from bench_ingest import make_report, raw_extract

    from observatory.ingestion.models import IngestJob
    from observatory.ingestion.search import search
    from observatory.repository.models import Review
    from observatory.repository.services import store_version
    from observatory.vocabularies.models import LocalAuthority, Term
    from observatory.vocabularies.sync import sync_reference_data
    from observatory_demo import build_demo_corpus, write_demo_files

    sync_reference_data()
    write_demo_files(build_demo_corpus(count=3), tmp / "demo")
    files = [("demo overview report", tmp / "demo" / "DEMO-2009-002-overview-report.pdf",
              '"professional curiosity"'),
             ("generated 100 pages", make_report(tmp / "report100.pdf"),
              '"recorded what they saw"')]
    kind = Term.objects.get(vocabulary__key="document_kind", code="overview_report")
    area = LocalAuthority.objects.order_by("pk").first()
    print(f"{'file':24} {'pages':>5} {'upload->searchable s':>21} {'raw text s':>11} "
          f"{'ratio':>6}  job steps (s)")
    for label, path, phrase in files:
        data = path.read_bytes()
        totals, raws = [], []
        job = None
        for n in range(args.repeat):
            review = Review.objects.create(
                reference=f"BENCH-{label[:4]}-{n}-{time.time_ns()}", title="bench",
                local_authority=area, publication_date=date(2016, 1, 1),
                review_type=Term.objects.get(vocabulary__key="review_type", code="scr"))
            started = time.perf_counter()
            version = store_version(review=review, kind=kind, filename=path.name,
                                    stream=io.BytesIO(data)).version
            found = search(None, phrase, reviews=Review.objects.filter(pk=review.pk))
            totals.append(time.perf_counter() - started)
            assert found.total > 0, f"{label}: not searchable"
            job = IngestJob.objects.filter(version=version).latest("pk")
            assert job.status == "done", job.message
            t = time.perf_counter()
            raw_extract(path)
            raws.append(time.perf_counter() - t)
        pages = len(version.text.pages)
        best, raw = min(totals), min(raws)
        steps = ", ".join(f"{k.split('@')[0]} {v:.3f}" for k, v in job.timings.items())
        print(f"{label:24} {pages:>5} {best:>21.3f} {raw:>11.3f} {best / raw:>6.1f}  {steps}")
        print(f"{'':24} {'':>5} median {statistics.median(totals):.3f} s over {args.repeat}")


if __name__ == "__main__":
    main()
