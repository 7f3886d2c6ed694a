"""Scanned PDF: our whole pipeline (render + OCR + normalise ... personal data) against
tesseract alone on the same page images, one process per core with OMP_THREAD_LIMIT=1
(issue 7's floor); optionally ``ocrmypdf --jobs N`` with its defaults too.

    python bench/bench_ocr.py [--pages 12] [--ocrmypdf]

The scanned file is made here: demo report pages rendered to images and wrapped as an
image-only PDF (observatory_core.ingest.scanned); nothing is downloaded. Goal: ratio <= 1.2.
"""

from __future__ import annotations

import argparse
import os
import shutil
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
    from observatory_core.demo import build_demo_corpus, write_demo_files
    from observatory_core.ingest.scanned import make_scanned_pdf

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12)
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
        floor = tesseract_alone(images, jobs)
        searchable, result = ours(pdf, skip=("flag_personal_data_model",))
        total, _ = ours(pdf)
        ocr_step = sum(t.seconds for t in result.timings if t.step.startswith("ocr_if_needed"))
        pages = len(images)
        print(f"scanned PDF: {pages} pages at {DPI} dpi, {jobs} cores")
        print(f"tesseract alone ({jobs} processes, OMP_THREAD_LIMIT=1): {floor:6.2f} s "
              f"({pages / floor:.2f} pages/s)")
        print(f"ours, to keyword-searchable (what the task does before the model): "
              f"{searchable:6.2f} s ({pages / searchable:.2f} pages/s; OCR step "
              f"{ocr_step:.2f} s; {len(result.passages)} passages, "
              f"{len(result.sections)} sections, {len(result.recommendations)} "
              "recommendations)")
        print(f"ours, every step incl. the named-entity model: {total:6.2f} s")
        print(f"ratio ours (searchable) / tesseract alone: {searchable / floor:.2f} "
              f"(goal <= 1.2); all steps: {total / floor:.2f}")
        if args.ocrmypdf:
            other = ocrmypdf_time(pdf, directory, jobs)
            if other is not None:
                print(f"ocrmypdf --jobs {jobs} (defaults): {other:6.2f} s "
                      f"({other / pages:.2f} s/page; ratio to floor {other / floor:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
