"""Learned coding suggestions, every variant tried (issue 19, 'Measure').

    python bench/bench_suggest.py [--folds 5] [--part pfd|screen|recommendations|speed]

The data are bench_coding.py's (see its docstring): the coroners' PFD reports (73 reports, 23
themes coded by people), the three clinicians' child-suicide screen with their consensus,
and the recommendation-theme gold file (real items only: the seed texts, grouped by text).

Every variant is scored by the same outer k-fold cross-validation; per-code thresholds and
calibrators are fitted by an inner 3-fold cross-validation of each outer training fold, so
no test unit is ever seen before it is scored. "nested choice" picks, inside each outer
training fold, the learned variant with the best inner macro F1 and scores it on the outer
fold. Kappa is the mean per-code Cohen's kappa against the people's (consensus) codes; ECE
the expected calibration error of the learned model's held-out probabilities (10 bands).

Sentence vectors (all-MiniLM-L6-v2, the shipped model) are computed once per text (mean and
max over passages of about 600 characters) and cached in $TMPDIR/suggest-cache.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_coding as data  # noqa: E402 - the shared loaders of the measured data sets

from observatory_core.coding.suggest import (  # noqa: E402
    Example,
    cross_validate,
    document_vectors,
    expected_calibration_error,
    nested_cross_validate,
    prf,
)

CACHE = Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "suggest-cache"

# name -> (mode, train options)
LEARNED = {
    "n-grams (as shipped before)": ("model", {"calibrate": False, "shrink": True}),
    "n-grams, calibrated": ("model", {"calibrate": True, "shrink": False}),
    "n-grams + rule features": ("model", {"rule_weight": 1.0, "shrink": False}),
    "n-grams + rules + vectors": ("model", {"rule_weight": 1.0, "vector_weight": 1.0,
                                            "shrink": False}),
    "n-grams + rules, calibrated, shrunk (shipped)": ("model", {"rule_weight": 1.0,
                                                                "shrink": True}),
    "n-grams + rules + vectors, shrunk": ("model", {"rule_weight": 1.0, "vector_weight": 1.0,
                                                    "shrink": True}),
}

# the nested choice is among these (each costs an inner cross-validation per outer fold)
NESTED = ("n-grams + rule features", "n-grams + rules + vectors")


def vectors_for(texts: list[str]) -> np.ndarray:
    from observatory_core.embeddings import load_embedder

    CACHE.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:20]
    path = CACHE / f"{key}.npy"
    if path.is_file():
        return np.load(path)
    started = time.perf_counter()
    out = document_vectors(texts, load_embedder().encode)
    print(f"  (sentence vectors for {len(texts)} texts: {time.perf_counter() - started:.0f} s)")
    np.save(path, out)
    return out


def mean_kappa(truth, predicted, codes) -> float:
    return data.mean_kappa(truth, predicted, codes)


def table(book, examples, folds, groups=None, codes=None, label_codes=None,
          only: tuple[str, ...] = ()) -> list[str]:
    """Every variant: alone, with the rules' own votes, and the nested choice."""
    codes = codes or [c.id for c in book.codes if not c.retired]
    truth = [e.codes for e in examples]
    vectors = vectors_for([e.text for e in examples])
    lines = [f"{'variant':<44}{'P':>6}{'R':>6}{'F1':>6}{'kappa':>7}{'ECE':>7}{'s':>6}"]
    print(lines[0], flush=True)

    def row(name, metrics, predicted, ece, seconds):
        predicted = [{c for c in p if c in codes} for p in predicted]
        m = prf(truth, predicted, codes)["macro"]
        e = f"{ece:>7.3f}" if ece is not None else f"{'':>7}"
        lines.append(f"{name:<44}{m['precision']:>6.2f}{m['recall']:>6.2f}{m['f1']:>6.2f}"
                     f"{mean_kappa(truth, predicted, codes):>7.2f}{e}{seconds:>6.0f}")
        print(lines[-1], flush=True)

    started = time.perf_counter()
    metrics, predicted = cross_validate(book, examples, folds=folds, mode="rules",
                                        groups=groups)
    row("rules alone", metrics, predicted, None, time.perf_counter() - started)
    for name, (mode, options) in LEARNED.items():
        if only and name not in only:
            continue
        for combined in (False, True):
            started = time.perf_counter()
            probs: dict[str, np.ndarray] = {}
            metrics, predicted = cross_validate(
                book, examples, folds=folds, mode="model+rules" if combined else mode,
                groups=groups, vectors=vectors, options=options, probabilities=probs)
            ys = [c in t for c in probs for t in truth]
            ps = [p for c in probs for p in probs[c]]
            keep = [i for i, p in enumerate(ps) if not np.isnan(p)]
            ece = expected_calibration_error([ys[i] for i in keep], [ps[i] for i in keep]) \
                if keep else None
            row(("combined: " if combined else "learned: ") + name, metrics, predicted,
                ece, time.perf_counter() - started)
    for combined in () if only else (False,):
        started = time.perf_counter()
        variants = {k: ("model+rules" if combined else m, o) for k, (m, o) in LEARNED.items()
                    if k in NESTED}
        metrics, predicted, chosen = nested_cross_validate(
            book, examples, variants, folds=folds, inner=2, groups=groups, vectors=vectors)
        row(("combined" if combined else "learned") + ": nested choice", metrics, predicted,
            None, time.perf_counter() - started)
        lines.append("    chosen per outer fold: " + "; ".join(chosen))
        print(lines[-1], flush=True)
    return lines


def pfd(folds: int) -> list[str]:
    book = data.pfd_codebook()
    codes = [c.id for c in book.codes]
    rows = data.read_rows("child_suicide_cases.csv")
    examples = [Example(data.report_text(r), frozenset(c for c in codes if data.yes(r[c])),
                        r["id"]) for r in rows]
    return [f"coroners' PFD reports: {len(examples)} reports, {len(codes)} themes, "
            f"{folds}-fold CV"] + table(book, examples, folds)


def recommendations(folds: int) -> list[str]:
    from observatory_core.coding.codebook import shipped_codebooks

    book = next(b for b in shipped_codebooks() if b.key == "recommendation_themes")
    themes = sorted({c.id for c in book.codes if c.parent})
    real = [g for g in data.gold_recommendations() if not g[0].startswith("demo-")]
    examples = [Example(text, frozenset({code}), ref) for ref, text, code in real]
    return [f"recommendation themes, real items only: {len(examples)} recommendations, "
            f"{len(themes)} theme codes ({len({e for x in examples for e in x.codes})} used), "
            f"{folds}-fold CV grouped by text"] + table(
        book, examples, folds, groups=[e.text for e in examples], codes=themes)


def screen(folds: int) -> list[str]:
    """Machine vs consensus on the child-suicide screen, each learned variant."""
    from openpyxl import load_workbook

    from observatory_core.coding.agreement import cohen_kappa
    from observatory_core.coding.codebook import parse_codebook

    sheet = load_workbook(data.PFD / "PFD Toolkit--Consensus Comparison.xlsx",
                          read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    head = [str(h or "") for h in rows[0]]
    col = {h: i for i, h in enumerate(head)}
    consensus_col = next(i for i, h in enumerate(head) if h.startswith("Post-consensus"))
    texts = {r["id"]: data.report_text(r) for r in data.read_rows("dataset_for_annotation.csv")}
    items = [(texts[str(r[col["Ref"]])], data.yes(r[consensus_col])) for r in rows[1:]
             if str(r[col["Ref"]] or "") in texts and r[consensus_col] is not None]
    book = parse_codebook({"key": "screen", "name": "Screen", "source": "consensus workbook",
                           "codes": [{"id": "child_suicide", "name": "Child suicide",
                                      "keywords": ["suicide", "took their own life"]}]})
    examples = [Example(t, frozenset({"child_suicide"} if y else set())) for t, y in items]
    vectors = vectors_for([e.text for e in examples])
    lines = [f"child-suicide screen: {len(examples)} reports; machine vs consensus kappa"]
    for name, (mode, options) in {"rules alone": ("rules", {}), **LEARNED}.items():
        for combined in ((False,) if mode == "rules" else (False, True)):
            _, predicted = cross_validate(book, examples, folds=folds,
                                          mode="model+rules" if combined else mode,
                                          vectors=vectors, options=options)
            kappa = cohen_kappa([y for _, y in items], ["child_suicide" in p for p in predicted])
            label = ("combined: " if combined else "") + name
            lines.append(f"  {label:<50}{kappa:>6.2f}")
    return lines


def speed() -> list[str]:
    """Suggestions for a 100-page report (900 passages) with the shipped variant, and
    retraining on 5,000 units."""
    from observatory_core.coding.suggest import SHIPPED, Suggester, train

    book = data.pfd_codebook()
    codes = [c.id for c in book.codes]
    rows = data.read_rows("child_suicide_cases.csv")
    examples = [Example(data.report_text(r), frozenset(c for c in codes if data.yes(r[c])))
                for r in rows]
    model = train(book.key, examples, codes, book=book, **SHIPPED)
    sentences = [s.strip() for e in examples for s in e.text.split(". ") if len(s) > 40]
    passages = [". ".join(sentences[i:i + 3]) for i in range(0, 900 * 3, 3)]
    suggester = Suggester(book, model=model)
    suggester.suggest_many(passages[:10])
    started = time.perf_counter()
    suggester.suggest_many(passages)
    latency = time.perf_counter() - started
    many = [Example(". ".join(sentences[(i * 7) % len(sentences):(i * 7) % len(sentences) + 2]),
                    examples[i % len(examples)].codes or frozenset({codes[i % len(codes)]}))
            for i in range(5000)]
    started = time.perf_counter()
    train(book.key, many, codes, book=book, **SHIPPED)
    retraining = time.perf_counter() - started
    return [f"suggestions, 100-page report (900 passages), shipped variant: {latency:.2f} s",
            f"retraining on 5,000 units, 23 codes, shipped variant: {retraining:.1f} s",
            f"load average: {os.getloadavg()[0]:.1f}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--part", action="append",
                        choices=["pfd", "screen", "recommendations", "speed"])
    args = parser.parse_args()
    parts = args.part or ["pfd", "screen", "recommendations", "speed"]
    if not data.PFD.is_dir():
        print(f"corpus not found at {data.PFD}; nothing to measure")
        return 0
    for part in parts:
        started = time.perf_counter()
        fn = {"pfd": pfd, "screen": screen, "recommendations": recommendations,
              "speed": speed}[part]
        lines = fn(args.folds) if part != "speed" else fn()
        print("\n".join(lines[:1]) if part in ("pfd", "recommendations") else
              "\n".join(lines))
        print(f"  ({time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.1f})\n",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
