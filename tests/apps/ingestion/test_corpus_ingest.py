"""The whole of ../shared/corpus through `observatory ingest --review --kind` (issue 7:
'Ingest the whole of ../shared/corpus/ in a test run'): every file is either ingested or
fails with a clear reason naming it; nothing crashes. Skips when the corpus is absent."""

from __future__ import annotations

import re
import time

import pytest
from click.testing import CliRunner

from observatory.cli import main

from ..conftest import make_review

pytestmark = [pytest.mark.django_db, pytest.mark.corpus, pytest.mark.slow]
READABLE = {".pdf", ".docx", ".html", ".htm", ".txt"}


def test_every_corpus_file_ingests_or_fails_with_its_reason(corpus_dir):
    make_review("CORPUS-RUN")
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts))
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["ingest", str(corpus_dir), "--review", "CORPUS-RUN",
                                       "--kind", "overview_report"], prog_name="observatory")
    seconds = time.perf_counter() - started
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), output[-2000:]
    assert "Traceback" not in output
    summary = re.search(r"(\d+) ingested, (\d+) unchanged, (\d+) failed \((\d+) files\)", output)
    assert summary, output[-2000:]
    ingested, unchanged, failed, total = map(int, summary.groups())
    assert total == len(files) and ingested + unchanged + failed == total
    failures = [line.split("failed: ", 1)[1] for line in output.splitlines()
                 if line.startswith("  failed: ")]
    assert len(failures) == failed
    names = {p.name for p in files}
    for reason in failures:
        name, _, why = reason.partition(": ")
        assert name in names, reason  # every failure names its file ...
        assert len(why) > 10, reason  # ... and says why
    print(f"\ncorpus: {len(files)} files in {seconds:.1f} s: {ingested} ingested, "
          f"{unchanged} unchanged, {failed} failed")
    for reason in failures:
        print("  " + reason)
    readable = [p for p in files if p.suffix.lower() in READABLE and "bad-input" not in p.parts]
    assert ingested + unchanged >= 0.9 * len(readable)
