"""Search over >= 100k passages: keyword vs the raw FTS query, hybrid, and embeddings.

    python bench/bench_search.py [--passages 100000] [--queries 40] [--ready]
    bash scripts/with-postgres.sh .venv/bin/python bench/bench_search.py

On a throwaway SQLite database (or the PostgreSQL that ``DATABASE_URL`` names):

1. Passages are generated from the demo corpus text (paragraphs of 48 demo reviews,
   sentences shuffled and recombined, so no two passages are alike) into 400 reviews of
   four areas, 1 in 10 documents confidential (IMRs), inserted in bulk (the FTS triggers
   index them).
2. Embedding throughput: the real model (all-MiniLM-L6-v2 int8) on 512 distinct passages,
   with the earlier settings (256 tokens, onnxruntime's default threads with spinning, in
   document order 64 at a time) and the current ones (128 tokens, ``default_threads()``,
   no spinning, sorted by length), back to back.
3. Vectors for all passages: embedding 100k passages would take hours on this CPU, so the
   512 real vectors are reused with small random perturbations (re-normalised). Search
   cost does not depend on the values, only on the count.
4. Latency, per query (best of warm runs not taken: every query once, after one warm-up
   pass; interleaved, each query through every case in turn): the raw FTS top-20 query on
   the same index without access filtering; our keyword search (access filter + top 20 +
   snippets + capped count + redaction check + hits) as the public and as a practitioner;
   semantic; hybrid.
5. With ``--ready``: a generated 100-page report: time to keyword-searchable (ingestion
   task) and then to 'semantic search ready' (embedding task), one after the other.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def demo_sentences() -> list[str]:
    from observatory_demo import build_demo_corpus

    out: list[str] = []
    for review in build_demo_corpus():
        for doc in review.documents:
            for section in doc.sections:
                for paragraph in section.paragraphs:
                    out.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", paragraph)
                               if len(s.split()) >= 5)
    return sorted(set(out))


def main() -> None:  # noqa: C901 - a linear script
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--ready", action="store_true",
                        help="also measure 'semantic ready' for a 100-page report")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-search-"))
    os.environ.setdefault("OBSERVATORY_DATA", str(tmp / "data"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["OBSERVATORY_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ["OBSERVATORY_EMBED_ON_INGEST"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from datetime import date

    from observatory.accounts.services import create_user
    from observatory.ingestion.models import Passage
    from observatory.ingestion.search import search
    from observatory.ingestion.services import inline_processing
    from observatory.repository.models import Review
    from observatory.repository.services import store_version
    from observatory.semantic import retriever as sem
    from observatory.semantic.models import PassageEmbedding
    from observatory.semantic.services import embedder
    from observatory.vocabularies.models import LocalAuthority, Term
    from observatory.vocabularies.sync import sync_reference_data
    from observatory_core.embeddings import normalise, to_bytes

    vendor = connection.vendor
    sync_reference_data()
    rng = random.Random(7)
    sentences = demo_sentences()
    kinds = {c: Term.objects.get(vocabulary__key="document_kind", code=c)
             for c in ("overview_report", "imr")}
    areas = list(LocalAuthority.objects.order_by("pk")[:4])
    scr = Term.objects.get(vocabulary__key="review_type", code="scr")
    practitioner = create_user(f"bench-p-{time.time_ns()}", "x" * 20, "practitioner")

    # -- 1. passages ------------------------------------------------------------------
    t0 = time.perf_counter()
    reviews, documents = 400, 800
    per_doc = -(-args.passages // documents)
    import io

    versions = []
    with inline_processing(), transaction.atomic():
        for r in range(reviews):
            review = Review.objects.create(
                reference=f"BENCH-{r:04d}", title=f"Bench review {r}",
                local_authority=areas[r % 4], review_type=scr,
                publication_date=date(2016, 1, 1))
            for d in range(documents // reviews):
                kind = kinds["imr"] if (r * 2 + d) % 10 == 9 else kinds["overview_report"]
                versions.append(store_version(
                    review=review, kind=kind, filename=f"b{r}-{d}.txt",
                    stream=io.BytesIO(f"bench {r} {d}".encode())).version)
    rows = []
    for v in versions:
        confidential = v.document.kind.code == "imr"
        for i in range(per_doc):
            text = " ".join(rng.sample(sentences, rng.randint(2, 5)))
            rows.append(Passage(version=v, document_id=v.document_id,
                                review_id=v.document.review_id, index=i, page=1 + i // 20,
                                start=0, end=len(text), kind="paragraph", text=text,
                                confidential=confidential, producer="bench"))
    rows = rows[:args.passages]
    with transaction.atomic():
        Passage.objects.bulk_create(rows, batch_size=2000)
    if vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    n = Passage.objects.count()
    print(f"{vendor}: {n} passages in {reviews} reviews, {len(versions)} documents "
          f"({time.perf_counter() - t0:.0f} s to generate)", flush=True)

    # -- 2. embedding throughput -------------------------------------------------------
    from observatory_core.embeddings import MiniLMEmbedder, default_threads

    model = embedder()
    sample = [p.text for p in rows[:512]]
    words = statistics.mean(len(s.split()) for s in sample)
    if isinstance(model, MiniLMEmbedder):
        before = MiniLMEmbedder(threads=0, max_tokens=256, spinning=True)
        before.encode(sample[:16])
        t = time.perf_counter()
        for start in range(0, len(sample), 64):  # as run_job did: document order, 64 a call
            before.encode(sample[start:start + 64])
        old_per_s = len(sample) / (time.perf_counter() - t)
        print(f"embedding, earlier settings (256 tokens, onnxruntime default threads, "
              f"spinning, 64 at a time in document order): {old_per_s:.1f} passages/s",
              flush=True)
        del before
    model.encode(sample[:16])
    t = time.perf_counter()
    real = model.encode(sample)  # sorted by length inside encode
    per_s = len(sample) / (time.perf_counter() - t)
    print(f"embedding, current settings: {per_s:.1f} passages/s ({len(sample)} passages, "
          f"mean {words:.0f} words, {model.name}, {getattr(model, 'max_tokens', '-')} tokens, "
          f"{default_threads()} thread(s), load {os.getloadavg()[0]:.1f})", flush=True)

    # -- 3. vectors for all -------------------------------------------------------------
    t = time.perf_counter()
    ids = list(Passage.objects.order_by("pk").values_list("pk", flat=True))
    nrng = np.random.default_rng(7)
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        base = real[np.arange(start, start + len(chunk)) % len(real)]
        vecs = normalise(base + nrng.normal(0, 0.02, base.shape).astype(np.float32))
        PassageEmbedding.objects.bulk_create(
            [PassageEmbedding(passage_id=pk, model=model.name, model_version=model.version,
                              vector=to_bytes(v)) for pk, v in zip(chunk, vecs, strict=True)],
            batch_size=2500)
    sem.reset()
    t_load = time.perf_counter()
    sem.index()
    print(f"vectors stored in {time.perf_counter() - t:.0f} s; in-memory index loaded in "
          f"{time.perf_counter() - t_load:.2f} s", flush=True)

    # -- 4. latency ---------------------------------------------------------------------
    vocabulary = [w for w in re.findall(r"[a-z]{6,}", " ".join(sentences).lower())]
    common = sorted(set(vocabulary), key=vocabulary.count)[-200:]
    queries = []
    qrng = random.Random(11)
    for i in range(args.queries):
        if i % 4 == 0:
            queries.append(" ".join(qrng.sample(common, 1)))
        elif i % 4 == 1:
            queries.append(" ".join(qrng.sample(common, 2)))
        elif i % 4 == 2:
            s = qrng.choice(sentences).split()
            queries.append('"' + " ".join(s[2:5]) + '"')
        else:
            queries.append(" ".join(qrng.choice(sentences).split()[:8]))

    def raw(q: str) -> None:
        with connection.cursor() as c:
            if vendor == "sqlite":
                from observatory.ingestion.search import fts5_query

                c.execute("SELECT rowid, bm25(ingestion_passage_fts) FROM ingestion_passage_fts "
                          "WHERE ingestion_passage_fts MATCH %s ORDER BY "
                          "bm25(ingestion_passage_fts) LIMIT 20", [fts5_query(q)])
            else:  # the stored column and GIN index of ingestion/index.py
                c.execute("SELECT id, ts_rank_cd(search_vector, q) AS s FROM ingestion_passage,"
                          " websearch_to_tsquery('english'::regconfig, %s) q "
                          "WHERE search_vector @@ q ORDER BY s DESC LIMIT 20", [q])
            c.fetchall()

    cases = {
        "raw FTS top-20 (no access filter)": raw,
        "keyword, public": lambda q: search(None, q, mode="keyword"),
        "keyword, practitioner": lambda q: search(practitioner, q, mode="keyword"),
        "semantic, practitioner": lambda q: search(practitioner, q, mode="semantic"),
        "hybrid, public": lambda q: search(None, q, mode="hybrid"),
        "hybrid, practitioner": lambda q: search(practitioner, q, mode="hybrid"),
    }
    for fn in cases.values():  # warm caches (and the query-embedding cache is bypassed below)
        fn(queries[0])
    # Interleaved: each query runs through every case in turn, so a change in the machine's
    # load (shared by other sessions) hits all cases alike and the ratios stay comparable.
    results: dict[str, list[float]] = {label: [] for label in cases}
    for q in queries:
        for label, fn in cases.items():
            sem._query_cache.clear()  # every query embedded afresh
            t = time.perf_counter()
            fn(q)
            results[label].append((time.perf_counter() - t) * 1000)
    totals = [search(None, q, mode="keyword") for q in queries]
    print(f"\n{len(queries)} queries (1-word, 2-word, phrase, 8-word); keyword totals shown "
          f"(capped at 1,000): median {statistics.median(p.total for p in totals):.0f}, "
          f"{sum(p.more for p in totals)} of them '1,000+'; load {os.getloadavg()}")
    print(f"{'search (' + vendor + ', ' + str(n) + ' passages)':44} {'p50 ms':>8} {'p95 ms':>8}")
    for label, times in results.items():
        print(f"{label:44} {pct(times, 50):>8.1f} {pct(times, 95):>8.1f}")
    raw95 = pct(results["raw FTS top-20 (no access filter)"], 95)
    for who in ("public", "practitioner"):
        print(f"keyword p95 / raw p95 ({who}): "
              f"{pct(results[f'keyword, {who}'], 95) / raw95:.2f} (goal <= 2)")
    t = time.perf_counter()
    for q in queries[:10]:
        sem.encode_query(q + " x")
    print(f"query embedding alone: {(time.perf_counter() - t) * 100:.1f} ms per query")

    # -- 5. semantic ready for a 100-page report ---------------------------------------
    if args.ready:
        from bench_ingest import make_report

        from observatory.ingestion.models import IngestJob
        from observatory.semantic.models import EmbeddingJob
        from observatory.semantic.services import queue_version, run_job

        path = make_report(tmp / "report100.pdf")
        review = Review.objects.create(reference="BENCH-READY", title="ready",
                                       local_authority=areas[0], review_type=scr,
                                       publication_date=date(2016, 1, 1))
        t = time.perf_counter()
        version = store_version(review=review, kind=kinds["overview_report"],
                                filename=path.name, stream=io.BytesIO(path.read_bytes())).version
        job = IngestJob.objects.filter(version=version).latest("pk")
        searchable = time.perf_counter() - t
        assert job.status == "done", job.message
        count = Passage.objects.filter(version=version).count()
        t = time.perf_counter()
        ejob = queue_version(version)  # outside a transaction the immediate backend runs it
        run_job(ejob.pk)  # (a no-op if it already ran)
        ready = time.perf_counter() - t
        ejob = EmbeddingJob.objects.get(pk=ejob.pk)
        print(f"\n100-page report: {count} passages ({ejob.total} embedded, headings not); "
              f"keyword-searchable {searchable:.1f} s after upload; semantic search ready "
              f"{ready:.1f} s after that ({ejob.total / ready:.1f} passages/s)")


if __name__ == "__main__":
    main()
