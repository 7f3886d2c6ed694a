"""Time our PDF extraction + pipeline against raw pypdfium2 text extraction of the same
files, and print a table (issue 7, 'Measure').

    python bench/bench_ingest.py [--repeat N]

Files: a generated 100-page born-digital report (reportlab) and the real guidance PDFs in
../shared/corpus/guidance (skipped when absent).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
CORPUS = Path(os.environ.get("OBSERVATORY_CORPUS", ROOT.parent / "shared" / "corpus"))


def make_report(path: Path, pages: int = 100) -> Path:
    """A 100-page report with headings, numbered paragraphs and a recommendations list."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    para = 0
    for page in range(1, pages + 1):
        c.setFont("Helvetica", 8)
        c.drawString(250, 815, "Bench report - not a real review")
        c.drawString(280, 25, f"Page {page} of {pages}")
        y = 780
        if page % 10 == 1:
            c.setFont("Helvetica-Bold", 15)
            title = "Recommendations" if page > pages - 10 else f"Section {page // 10 + 1}"
            c.drawString(60, y, title)
            y -= 30
        c.setFont("Helvetica", 11)
        while y > 60:
            para += 1
            lead = f"{para}. The LSCB should " if page > pages - 10 else f"{para}. "
            for k in range(3):
                c.drawString(60, y, (lead if k == 0 else "") + "practitioners shared "
                             "information about the family and recorded what they saw " * 1)
                y -= 15
            y -= 8
        c.showPage()
    c.save()
    return path


def raw_extract(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    chars = 0
    for page in pdf:
        textpage = page.get_textpage()
        chars += len(textpage.get_text_range())
        textpage.close()
        page.close()
    pages = len(pdf)
    pdf.close()
    return pages or chars * 0


def best_of(repeat: int, func, *args):  # noqa: ANN001, ANN201
    best, value = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        value = func(*args)
        best = min(best, time.perf_counter() - started)
    return best, value


def main() -> None:
    from observatory_core.ingest import extract

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = [make_report(Path(tmp) / "generated-100-pages.pdf")]
        guidance = CORPUS / "guidance"
        if guidance.is_dir():
            files += sorted(guidance.glob("*.pdf"))
        header = f"{'file':58} {'pages':>5} {'raw s':>7} {'ours s':>7} {'ratio':>6} " \
                 f"{'pages/s':>8} {'recs':>5} {'secs':>5}"
        print(header)
        print("-" * len(header))
        total_raw = total_ours = 0.0
        for path in files:
            raw, pages = best_of(args.repeat, raw_extract, path)
            ours, result = best_of(args.repeat, extract, path)
            total_raw += raw
            total_ours += ours
            print(f"{path.name[:58]:58} {pages:>5} {raw:>7.3f} {ours:>7.3f} {ours / raw:>6.1f} "
                  f"{pages / ours:>8.0f} {len(result.recommendations):>5} "
                  f"{len(result.sections):>5}")
        print(f"{'all':58} {'':>5} {total_raw:>7.3f} {total_ours:>7.3f} "
              f"{total_ours / total_raw:>6.1f}")
        slowest = max(result.timings, key=lambda t: t.seconds)
        print(f"\nslowest step on the last file: {slowest.step} {slowest.seconds:.3f}s")


if __name__ == "__main__":
    main()
