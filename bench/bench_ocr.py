"""Scanned PDF: our whole pipeline (render + OCR + normalise ... personal data) against
tesseract alone on the same page images, one process per core with OMP_THREAD_LIMIT=1
(issue 7's floor); optionally ``ocrmypdf --jobs N`` with its defaults too.

    python bench/bench_ocr.py [--pages 12] [--repeat N] [--no-after] [--ocrmypdf]

The scanned file is made here: demo report pages rendered to images and wrapped as an
image-only PDF (observatory_core.ingest.scanned); nothing is downloaded. Goal: ratio <= 1.2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DPI = 200  # the scan's resolution: what a 200 dpi office scanner produces


def scanned_file(directory: Path, pages: int) -> Path:
    from observatory_core.ingest.scanned import make_scanned_pdf
    from observatory_demo import build_demo_corpus, write_demo_files

    reviews = build_demo_corpus(count=2)
    write_demo_files(reviews, directory)
    source = next(directory.glob("*-overview-report.pdf"))
    import pypdfium2 as pdfium

    have = len(pdfium.PdfDocument(source.read_bytes()))
    repeat = -(-pages // have)
    target = make_scanned_pdf(source, directory / "scanned.pdf", dpi=DPI, repeat=repeat)
    # Trim to exactly ``pages`` pages.
    doc = pdfium.PdfDocument(target.read_bytes())
    while len(doc) > pages:
        doc.del_page(len(doc) - 1)
    doc.save(str(target))
    doc.close()
    return target


def page_images(pdf: Path, directory: Path) -> list[Path]:
    """The page images at the scan's own resolution (what tesseract alone is given)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf.read_bytes())
    out = []
    for i in range(len(doc)):
        path = directory / f"page-{i + 1:03}.png"
        doc[i].render(scale=DPI / 72.0, grayscale=True).to_pil().save(path, compress_level=1)
        out.append(path)
    doc.close()
    return out


def tesseract_alone(images: list[Path], jobs: int) -> float:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def run(image: Path) -> None:
        subprocess.run(["tesseract", str(image), "stdout", "-l", "eng", "--dpi", str(DPI),
                        "tsv"], check=True, capture_output=True, env=env)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(run, images))
    return time.perf_counter() - started


def ours(pdf: Path, skip: tuple[str, ...] = ()) -> tuple[float, object]:
    from observatory_core.ingest import extract

    started = time.perf_counter()
    result = extract(pdf, skip=skip)
    return time.perf_counter() - started, result


def model_load_time() -> float:
    from observatory_core.ingest import ner

    started = time.perf_counter()
    s = ner.settings()
    ner.load_model(s["package"], s["version"], s["ner_sha256"])
    return time.perf_counter() - started


def ocrmypdf_time(pdf: Path, directory: Path, jobs: int) -> float | None:
    if not shutil.which("gs"):
        return None
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ocrmypdf", "--jobs", str(jobs),
                           "--output-type", "pdf", "--quiet", str(pdf),
                           str(directory / "ocrmypdf.pdf")], capture_output=True, text=True)
    if done.returncode != 0:
        print("ocrmypdf failed:", done.stderr.strip()[-300:])
        return None
    return time.perf_counter() - started


class _NoPrefetch:
    """Stands in for ner.EntityPrefetch and takes nothing: the model waits for the text."""

    done: dict = {}

    def add(self, texts: object) -> None:
        pass

    def finish(self) -> dict:
        return {}


def ours_all_steps(pdf: Path, prefetch: bool) -> tuple[float, object, int]:
    """Every step incl. the model; with ``prefetch`` the model starts on pages as OCR
    recognises them (opt-in: pipeline.toml ``prefetch_during_ocr``), without it the model
    runs after the text (the default)."""
    from observatory_core.ingest import extract
    from observatory_core.ingest.ner import EntityPrefetch

    early = EntityPrefetch()
    started = time.perf_counter()
    if prefetch:
        result = extract(pdf, ner_prefetch=early)
    else:  # the model runs over every passage at the end
        result = extract(pdf, ner_prefetch=_NoPrefetch())
    seconds = time.perf_counter() - started
    texts = {result.text[p.start:p.end] for p in result.passages}
    return seconds, result, len(texts & set(early.done))


def _step(result: object, name: str) -> float:
    return sum(t.seconds for t in result.timings if t.step.startswith(name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of (tesseract alone, ours...) one after the other; "
                             "medians are printed (the machine is shared)")
    parser.add_argument("--no-after", action="store_true",
                        help="skip the run with the model after OCR (not overlapped)")
    parser.add_argument("--ocrmypdf", action="store_true", help="also time ocrmypdf --jobs N")
    args = parser.parse_args()
    if not shutil.which("tesseract"):
        print("tesseract is not installed (scripts/bootstrap.sh installs it)")
        return 1
    jobs = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        pdf = scanned_file(directory, args.pages)
        images = page_images(pdf, directory)
        # A worker process loads the named-entity model once and keeps it (ner.load_model
        # is cached per process), so it is loaded before the timed runs; its one-off cost
        # is printed on its own.
        load = model_load_time()
        rows: dict[str, list[float]] = {"floor": [], "searchable": [], "overlapped": [],
                                        "after": []}
        for _ in range(args.repeat):
            rows["floor"].append(tesseract_alone(images, jobs))
            searchable, result = ours(pdf, skip=("flag_personal_data_model",))
            rows["searchable"].append(searchable)
            total, full, served = ours_all_steps(pdf, prefetch=True)
            rows["overlapped"].append(total)
            if not args.no_after:
                after, late, _ = ours_all_steps(pdf, prefetch=False)
                rows["after"].append(after)
        med = {k: statistics.median(v) for k, v in rows.items() if v}
        pages = len(images)
        passages = len({full.text[p.start:p.end] for p in full.passages})
        floor = med["floor"]
        print(f"scanned PDF: {pages} pages at {DPI} dpi, {jobs} cores; {args.repeat} "
              f"round(s), medians; load average {os.getloadavg()[0]:.1f}")
        print(f"tesseract alone ({jobs} processes, OMP_THREAD_LIMIT=1): {floor:6.2f} s "
              f"({pages / floor:.2f} pages/s)  runs {_fmt(rows['floor'])}")
        print(f"ours, to keyword-searchable (what the task does before the model): "
              f"{med['searchable']:6.2f} s (OCR step {_step(result, 'ocr_if_needed'):.2f} s; "
              f"{len(result.passages)} passages, {len(result.sections)} sections, "
              f"{len(result.recommendations)} recommendations)  runs "
              f"{_fmt(rows['searchable'])}")
        print(f"ours, all steps, model overlapping OCR (opt-in): {med['overlapped']:6.2f} s "
              f"(model step "
              f"after OCR {_step(full, 'flag_personal_data_model'):.2f} s; {served} of "
              f"{passages} passage texts done during OCR)  runs {_fmt(rows['overlapped'])}")
        if rows["after"]:
            print(f"ours, all steps, model after OCR (default): {med['after']:6.2f} s "
                  f"(model step "
                  f"{_step(late, 'flag_personal_data_model'):.2f} s)  runs "
                  f"{_fmt(rows['after'])}")
        print(f"loading the model (once per worker process, not timed above): {load:.2f} s")
        print(f"ratio to tesseract alone (goal <= 1.2): searchable "
              f"{med['searchable'] / floor:.2f}; all steps, overlapped "
              f"{med['overlapped'] / floor:.2f}"
              + (f"; all steps, model after OCR {med['after'] / floor:.2f}"
                 if rows["after"] else ""))
        if args.ocrmypdf:
            other = ocrmypdf_time(pdf, directory, jobs)
            if other is not None:
                print(f"ocrmypdf --jobs {jobs} (defaults): {other:6.2f} s "
                      f"({other / pages:.2f} s/page; ratio to floor {other / floor:.2f})")
    return 0


def _fmt(values: list[float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
