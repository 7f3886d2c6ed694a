"""A folder of 50 mixed reports through `observatory ingest`: demo PDFs and DOCX plus real
Ofsted inspection PDFs (../shared/corpus/inspections). Run A: one `observatory ingest`
process over the folder. Run B: the same folder split in two, two processes at once (both
cores busy). Each run uses a fresh throwaway SQLite database.

    python bench/bench_folder.py [--files 50]

Prints files/min and pages/s for each run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
CORPUS = Path(os.environ.get("OBSERVATORY_CORPUS", ROOT.parent / "shared" / "corpus"))
REVIEW = "DEMO-2008-001"


def build_folder(target: Path, count: int) -> list[Path]:
    demo = target.parent / "demo"
    subprocess.run([BIN / "observatory", "demo", "files", str(demo)], check=True,
                   capture_output=True)
    mixed = sorted(p for p in demo.iterdir() if p.suffix in (".pdf", ".docx"))
    real = sorted((CORPUS / "inspections").glob("*.pdf")) if CORPUS.exists() else []
    n_real = min(len(real), count * 2 // 5)
    chosen = real[:n_real] + mixed[:count - n_real]
    target.mkdir()
    for i, path in enumerate(chosen):
        shutil.copy(path, target / f"{i:02}-{path.name.replace(' ', '_')}")
    return sorted(target.iterdir())


def fresh_env(base: Path) -> dict[str, str]:
    base.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OBSERVATORY_DATA=str(base),
               DATABASE_URL=f"sqlite:///{base / 'db.sqlite3'}", OBSERVATORY_DEMO_USERS="0")
    subprocess.run([BIN / "observatory", "setup", "--demo-count", "1"], check=True, env=env,
                   capture_output=True)
    return env


def pages_stored(env: dict[str, str]) -> int:
    code = ("import django;django.setup();from observatory.ingestion.models import DocumentText;"
            "print(sum(len(t.pages) for t in DocumentText.objects.filter("
            "version__document__review__reference='BENCH-FOLDER')))")
    out = subprocess.run([BIN / "python", "-c", code], env=dict(
        env, DJANGO_SETTINGS_MODULE="observatory.settings"), capture_output=True, text=True,
        check=True)
    return int(out.stdout.strip().splitlines()[-1])


def make_review(env: dict[str, str]) -> None:
    code = ("import django;django.setup();from observatory.repository.models import Review;"
            f"r=Review.objects.get(reference='{REVIEW}');r.pk=None;r.id=None;"
            "r.reference='BENCH-FOLDER';r.save()")
    subprocess.run([BIN / "python", "-c", code], env=dict(
        env, DJANGO_SETTINGS_MODULE="observatory.settings"), check=True, capture_output=True)


def ingest(env: dict[str, str], folders: list[Path]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    procs = [subprocess.Popen([BIN / "observatory", "ingest", str(f), "--review",
                               "BENCH-FOLDER", "--kind", "overview_report"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for f in folders]
    outputs = [p.communicate()[0] for p in procs]
    return time.perf_counter() - started, outputs


def report(label: str, seconds: float, files: int, pages: int, outputs: list[str]) -> None:
    summary = [line for out in outputs for line in out.splitlines() if "ingested," in line]
    print(f"{label}: {files} files, {pages} pages in {seconds:.1f} s = "
          f"{files / seconds * 60:.1f} files/min, {pages / seconds:.1f} pages/s  "
          f"[{' | '.join(summary)}]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        files = build_folder(base / "folder", args.files)
        env = fresh_env(base / "a")
        make_review(env)
        seconds, outputs = ingest(env, [base / "folder"])
        report("A: 1 process ", seconds, len(files), pages_stored(env), outputs)
        halves = [base / "half1", base / "half2"]
        for i, half in enumerate(halves):
            half.mkdir()
            for path in files[i::2]:
                shutil.copy(path, half / path.name)
        env = fresh_env(base / "b")
        make_review(env)
        seconds, outputs = ingest(env, halves)
        report("B: 2 processes", seconds, len(files), pages_stored(env), outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
