"""Analysis at national scale (issue 5, 'Measure').

    python bench/bench_analysis.py [--reviews 5000] [--passages 40] [--repeat 12]
    scripts/with-postgres.sh .venv/bin/python bench/bench_analysis.py

Generates a dataset on a throwaway SQLite database (or the one DATABASE_URL names): N
reviews with the minimum dataset, one document each with 40 passages (200,000 in all),
10 recommendations per review addressed to agencies, and one accepted coded segment per
passage (200,000; case themes on passages, recommendation themes on recommendations) when
the coding app is installed. Then times every standard table (as an analyst, unsuppressed,
and as the public, suppressed), a drill-down page through the web app, and the annual PDF
report end to end; prints p50/p95 per item against the 300 ms goal.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import tomllib
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
GOAL_MS = 300


def generate(n_reviews: int, per_review: int, seed: int = 5) -> dict[str, int]:
    from django.apps import apps
    from django.contrib.auth.models import User
    from django.db import transaction

    from observatory.ingestion.models import Passage, Recommendation
    from observatory.repository.models import Document, DocumentVersion, Review
    from observatory.vocabularies.models import LocalAuthority, Term

    rng = random.Random(seed)
    areas = list(LocalAuthority.objects.filter(end_date__isnull=True))
    terms = {key: list(Term.objects.filter(vocabulary__key=key)) for key in (
        "review_type", "review_method", "outcome", "sex", "ethnicity", "age_band",
        "abuse_category", "family_characteristic", "agency", "document_kind")}
    kind = next(t for t in terms["document_kind"] if t.code == "overview_report")
    bands = [(t, t.attributes.get("min_months"), t.attributes.get("max_months"))
             for t in terms["age_band"]]
    counts = {}
    with transaction.atomic():
        reviews = []
        for i in range(n_reviews):
            decided = date(2008, 1, 1) + timedelta(days=rng.randint(0, 15 * 365))
            done = decided + timedelta(days=rng.randint(90, 700))
            age = rng.choice([rng.randint(0, 11), rng.randint(12, 215)])
            band = next(t for t, lo, hi in bands if age >= lo and (hi is None or age < hi))
            reviews.append(Review(
                reference=f"BENCH-{i:05d}", title=f"Bench review {i}",
                local_authority=rng.choice(areas), review_type=rng.choice(terms["review_type"]),
                review_method=rng.choice(terms["review_method"]),
                outcome=rng.choice(terms["outcome"]), child_sex=rng.choice(terms["sex"]),
                child_ethnicity=rng.choice(terms["ethnicity"]), child_age_months=age,
                age_band=band, decision_date=decided, completion_date=done,
                publication_date=done + timedelta(days=60), incident_date=decided,
                timeliness_months=round((done - decided).days / 30.44, 1), fictional=True))
        Review.objects.bulk_create(reviews, batch_size=1000)
        reviews = list(Review.objects.filter(reference__startswith="BENCH-").order_by("pk"))
        for field, key in (("abuse_categories", "abuse_category"),
                           ("family_characteristics", "family_characteristic"),
                           ("agencies", "agency")):
            through = getattr(Review, field).through
            rows = []
            for r in reviews:
                for t in rng.sample(terms[key], k=min(len(terms[key]), rng.randint(1, 3))):
                    rows.append(through(review_id=r.pk, term_id=t.pk))
            through.objects.bulk_create(rows, batch_size=5000)
        Document.objects.bulk_create([Document(review=r, kind=kind, title="Overview report")
                                      for r in reviews], batch_size=1000)
        documents = {d.review_id: d for d in Document.objects.filter(review__in=reviews)}
        DocumentVersion.objects.bulk_create([
            DocumentVersion(document=d, number=1, sha256=f"{d.pk:064d}", size=1,
                            original_filename="x.pdf", media_type="application/pdf",
                            storage_area="published", path=f"bench/{d.pk}.pdf")
            for d in documents.values()], batch_size=1000)
        versions = {v.document.review_id: v for v in
                    DocumentVersion.objects.select_related("document")}
        passages, recs = [], []
        for r in reviews:
            v = versions[r.pk]
            for i in range(per_review):
                passages.append(Passage(version=v, document_id=v.document_id, review=r,
                                        index=i, page=1 + i // 10, start=i * 100,
                                        end=i * 100 + 90, producer="bench", kind="paragraph",
                                        text=f"Passage {i} of {r.reference}."))
            for i in range(10):
                recs.append(Recommendation(version=v, review=r, index=i, page=5, start=i * 100,
                                           end=i * 100 + 90, producer="bench",
                                           number=str(i + 1), text="Agencies should...",
                                           addressee=rng.choice(terms["agency"]),
                                           confidence=0.9))
        Passage.objects.bulk_create(passages, batch_size=5000)
        Recommendation.objects.bulk_create(recs, batch_size=5000)
        counts.update(reviews=len(reviews), passages=len(passages), recommendations=len(recs))
        if apps.is_installed("observatory.coding"):
            counts["coded"] = _code(rng, reviews, User)
    return counts


def _code(rng, reviews, User) -> int:
    from django.apps import apps

    from observatory.ingestion.models import Passage, Recommendation

    Codebook = apps.get_model("coding", "Codebook")
    Code = apps.get_model("coding", "Code")
    Segment = apps.get_model("coding", "CodedSegment")
    coder = User.objects.create(username="bench-coder")
    codes = {}
    for key in ("case_themes", "recommendation_themes"):
        path = ROOT / "src" / "observatory_core" / "data" / "codebooks" / f"{key}.toml"
        data = tomllib.loads(path.read_text())
        book, _ = Codebook.objects.get_or_create(key=key, defaults={
            "name": data["name"], "source": data["source"]})
        codes[key] = (book, [Code.objects.get_or_create(codebook=book, key=c["id"], defaults={
            "name": c["name"], "position": i})[0] for i, c in enumerate(data["codes"])])
    segments = []
    recs_by_review: dict[int, list] = {}
    for rec in Recommendation.objects.values("pk", "review_id", "version_id"):
        recs_by_review.setdefault(rec["review_id"], []).append(rec)
    for p in Passage.objects.values("pk", "review_id", "version_id", "index").iterator():
        on_rec = p["index"] < 10
        book, options = codes["recommendation_themes" if on_rec and p["index"] % 2
                              else "case_themes"]
        rec = recs_by_review[p["review_id"]][p["index"]] if on_rec else None
        segments.append(Segment(
            codebook=book, codebook_version=1, code=rng.choice(options),
            review_id=p["review_id"], version_id=p["version_id"],
            target="recommendation" if on_rec else "passage",
            passage_id=None if on_rec else p["pk"], recommendation_id=rec["pk"] if rec else None,
            start=p["index"] * 100, end=p["index"] * 100 + 90, page=1, coder=coder,
            status="accepted", origin="human"))
        if len(segments) >= 10000:
            Segment.objects.bulk_create(segments)
            segments = []
    Segment.objects.bulk_create(segments)
    return Segment.objects.count()


def timed(func, repeat: int) -> tuple[float, float]:
    func()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95


def _profile(label: str, func) -> None:
    import cProfile
    import pstats

    func()  # warm up
    profiler = cProfile.Profile()
    profiler.runcall(func)
    print(f"--- profile: {label}", flush=True)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=5000)
    parser.add_argument("--passages", type=int, default=40, help="per review")
    parser.add_argument("--repeat", type=int, default=12)
    parser.add_argument("--only", action="append", default=[],
                        help="time only items whose label contains this (repeatable), "
                             "e.g. --only theme_quadrant --only dashboard")
    parser.add_argument("--data", help="reuse this data directory (SQLite): generate once, "
                                       "then time again without regenerating")
    parser.add_argument("--no-pdf", action="store_true", help="skip the annual PDF")
    parser.add_argument("--profile", action="store_true",
                        help="print the top cumulative functions of each timed item")
    args = parser.parse_args()
    tmp = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="bench-analysis-"))
    os.environ.setdefault("OBSERVATORY_DATA", str(tmp / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from django.test import Client

    from observatory.accounts.services import create_user
    from observatory.analysis.reports import annual, render_pdf
    from observatory.analysis.tables import REGISTRY, Scope, build
    from observatory.vocabularies.sync import sync_reference_data

    sync_reference_data()
    from observatory.repository.models import Review

    start = time.perf_counter()
    if Review.objects.filter(reference__startswith="BENCH-").exists():
        counts = {"reviews": Review.objects.filter(reference__startswith="BENCH-").count(),
                  "reused": 1}
    else:
        counts = generate(args.reviews, args.passages)
        if connection.vendor == "postgresql":
            # In service autovacuum vacuums and analyses a table soon after a bulk load
            # (PostgreSQL 13+ also after inserts): planner statistics, and the visibility
            # map that index-only scans need. The bench times queries at once: do it now.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    made = time.perf_counter() - start
    print(f"database: {connection.vendor}; generated {counts} in {made:.0f} s", flush=True)
    from django.contrib.auth.models import User

    analyst = (User.objects.filter(username="bench-analyst").first()
               or create_user("bench-analyst", "bench-password-1", "analyst"))
    rows = []
    width = 52
    print(f"\n{'item':{width}} {'p50 ms':>8} {'p95 ms':>8}  goal <= {GOAL_MS} ms", flush=True)

    def wanted(label: str) -> bool:
        return not args.only or any(o in label for o in args.only)

    def measure(label: str, func) -> None:
        if not wanted(label):
            return
        if args.profile:
            _profile(label, func)
        p50, p95 = timed(func, args.repeat)
        show(label, p50, p95)

    def show(label: str, p50: float, p95: float) -> None:
        rows.append((label, p50, p95))
        flag = "ok" if p95 <= GOAL_MS else "OVER"
        print(f"{label:{width}} {p50:8.1f} {p95:8.1f}  {flag}", flush=True)

    for name in REGISTRY:
        for who, user in (("analyst", analyst), ("public", None)):
            measure(f"table {name} ({who})", lambda n=name, u=user: build(n, Scope(u, {})))
    client = Client()
    client.force_login(analyst)
    for label, url in (
            ("drill-down page (police, analyst)",
             "/analysis/drilldown/?table=recommendations_by_agency&rec_agency=police"),
            ("drill-down page (region+years)",
             "/analysis/drilldown/?table=reviews_by_region&region=E12000007&year_from=2010"
             "&year_to=2015"),
            ("dashboard page (8 tables, analyst)", "/analysis/")):
        def get(u=url):
            assert client.get(u).status_code == 200
        measure(label, get)
    if args.no_pdf or (args.only and not wanted("annual report PDF")):
        return
    start = time.perf_counter()
    pdf = render_pdf(annual(2015, None))
    pdf_ms = (time.perf_counter() - start) * 1000
    print(f"{'annual report 2015 PDF end to end':{width}} {pdf_ms:8.0f} {'':>8}  "
          f"({len(pdf) // 1024} KB)")


if __name__ == "__main__":
    main()
