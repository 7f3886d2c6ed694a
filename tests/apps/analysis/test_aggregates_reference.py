"""The database aggregates behind the standard tables against a plain Python reference on a
small random dataset (the tables are computed in SQL for speed; the answers must not
change), and the rule for which codes count: the adjudicated consensus where there is one,
else the accepted codes, a code applied by two coders counted once."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest
from django.apps import apps

from observatory.analysis import sources
from observatory.analysis.tables import Scope, build
from observatory.ingestion.models import Passage, Recommendation
from observatory_core.stats import Group
from observatory_core.stats import build as core

from ..conftest import OTHER_AREA, make_user
from .helpers import with_recommendations

pytestmark = pytest.mark.django_db
needs_coding = pytest.mark.skipif(not apps.is_installed("observatory.coding"),
                                  reason="the coding app (issue 4) is not installed")
AGENCIES = ["police", "education", "hospital_trust", "childrens_social_care", "probation"]


@pytest.fixture
def dataset(db):
    rng = random.Random(11)
    for i in range(14):
        agencies = [rng.choice(AGENCIES) for _ in range(rng.randint(1, 6))]
        with_recommendations(f"AGG-{i}", agencies, area=rng.choice(["E08000025", OTHER_AREA]),
                             year=2013 + i % 4, kind="imr" if i % 5 == 0 else "overview_report",
                             confidential=i % 5 == 0, published=i % 6 != 3)
    return rng


def _reference_recommendations(scope: Scope):
    """The old computation: every (review, agency) count in Python, one value per review;
    the scope applied in Python too (not by ``sources.within``)."""
    recs = Recommendation.objects.filter(sources.confidential_allowed(scope.user))
    in_scope = set(scope.reviews.values_list("pk", flat=True))
    per: Counter[tuple[int, str]] = Counter()
    labels = {}
    for review_id, code, label in recs.values_list("review_id", "addressee__code",
                                                   "addressee__label"):
        if review_id not in in_scope:
            continue
        per[(review_id, code)] += 1
        labels[code] = label
    ids = sorted({rid for rid, _ in per})
    groups = [Group(code, label, [per[(r, code)] for r in ids], scope.drill(rec_agency=code))
              for code, label in sorted(labels.items(), key=lambda kv: kv[1])]
    totals = Counter()
    for (rid, _), n in per.items():
        totals[rid] += n
    total = Group("total", "All recommendations", [totals[r] for r in ids], scope.drill())
    return core.summary("recommendations_by_agency", "Recommendations by agency", groups,
                        public=scope.public, total=total)


@pytest.mark.parametrize("who", ["analyst", "partnership_other", None])
@pytest.mark.parametrize("filters", [{}, {"region": "E12000005", "year_from": "2014"},
                                     {"rec_agency": "police"}])
def test_recommendations_by_agency_matches_the_python_reference(dataset, who, filters):
    user = make_user(who) if who else None
    scope = Scope(user, filters)
    table = build("recommendations_by_agency", scope).as_dict()
    reference = _reference_recommendations(scope).as_dict()
    assert table["rows"] == reference["rows"]
    assert table["total"] == reference["total"]


def _code_everything(rng, users):
    """Random accepted codes on passages and recommendations (some by two coders, some
    confidential, some only suggested), and a few adjudicated units."""
    Codebook = apps.get_model("coding", "Codebook")
    Code = apps.get_model("coding", "Code")
    Segment = apps.get_model("coding", "CodedSegment")
    book = Codebook.objects.create(key="case_themes", name="Case", source="001")
    codes = [Code.objects.create(codebook=book, key=f"theme{i}", name=f"Theme {i}", position=i)
             for i in range(4)]
    coders = [users["analyst"], users["researcher"]]
    for p in Passage.objects.all():
        rec = Recommendation.objects.filter(version=p.version, index=p.index).first()
        for coder in rng.sample(coders, rng.randint(1, 2)):
            for target in ("passage", "recommendation"):
                Segment.objects.create(
                    codebook=book, codebook_version=1, code=rng.choice(codes),
                    review=p.review, version=p.version, target=target,
                    passage=p if target == "passage" else None,
                    recommendation=rec if target == "recommendation" else None,
                    start=p.start, end=p.end, page=1, text=p.text, coder=coder,
                    status=rng.choice(["accepted", "accepted", "accepted", "suggested"]),
                    confidential=p.confidential)
    for seg in Segment.objects.filter(status="accepted").order_by("pk")[::7]:
        Segment.objects.create(
            codebook=book, codebook_version=1, code=rng.choice(codes), review_id=seg.review_id,
            version_id=seg.version_id, target=seg.target, passage_id=seg.passage_id,
            recommendation_id=seg.recommendation_id, start=seg.start, end=seg.end, page=1,
            coder=users["admin"], status="accepted", consensus=True,
            confidential=seg.confidential)


def _counting(user, scope: Scope):
    """The rule in plain Python: accepted segments the user may see, in scope; a unit with
    a consensus coding counts only that."""
    Segment = apps.get_model("coding", "CodedSegment")
    visible = set(scope.reviews.values_list("pk", flat=True))
    rows = [s for s in Segment.objects.filter(status="accepted", codebook__key="case_themes")
            .filter(sources.confidential_allowed(user)).select_related("code")
            if s.review_id in visible]
    settled = {(s.target, s.unit_id) for s in rows if s.consensus}
    # Settled by a consensus coding the user may not see is still settled for everyone.
    settled |= {(s.target, s.unit_id) for s in Segment.objects.filter(
        status="accepted", consensus=True)}
    return [s for s in rows if s.consensus or (s.target, s.unit_id) not in settled]


@needs_coding
@pytest.mark.parametrize("who", ["analyst", "practitioner", None])
@pytest.mark.parametrize("filters", [{}, {"year": "2014"}, {"region": "E12000005"}])
def test_case_themes_match_the_python_reference(dataset, users, who, filters):
    """Every way ``sources.within`` narrows to a scope: no condition (all reviews), the
    reviews left out excluded (most reviews: the published ones, some are not), and the
    reviews in scope (a region)."""
    _code_everything(dataset, users)
    user = users[who] if who else None
    scope = Scope(user, filters)
    counted = _counting(user, scope)
    cases, recs, on_recs = defaultdict(set), defaultdict(set), defaultdict(set)
    for s in counted:
        if s.target == "recommendation":
            recs[s.code.key].add(s.recommendation_id)
            on_recs[s.code.key].add(s.review_id)
        else:
            cases[s.code.key].add(s.review_id)
    expected = sorted((k, len(cases[k]), len(recs[k]), len(cases[k] & on_recs[k]))
                      for k in set(cases) | set(recs))
    got = sources.case_themes_against_recommendations(user, scope.reviews)
    assert sorted((k, c, r, a) for k, _, c, r, a in got) == expected
    reviews_per_code = Counter()
    for key, ids in _by_code(counted).items():
        reviews_per_code[key] = len(ids)
    got_counts = sources.theme_review_counts(user, scope.reviews, "case_themes")
    assert {k: n for k, _, n in got_counts} == dict(reviews_per_code)
    # The drill-down lists the same reviews as the count.
    for key, ids in _by_code(counted).items():
        assert Scope(user, {**filters, "theme": key}).review_count == len(ids)


def test_the_scope_is_narrowed_by_exclusion_only_when_it_holds_most_reviews(dataset):
    """The three forms of ``sources.within`` that the reference tests above go through."""
    public = Scope(None, {}).reviews.order_by().values("pk")
    assert 0 < public.count() < sources.Review.objects.count()
    assert sources._most_reviews(public)
    assert not sources._most_reviews(Scope(None, {"year": "2014"}).reviews.order_by()
                                     .values("pk"))
    recs = Recommendation.objects.all()
    assert "NOT" in str(sources.within(recs, Scope(None, {}).reviews).query)
    analyst = Scope(make_user("analyst"), {}).reviews
    assert str(sources.within(recs, analyst).query) == str(recs.query)


def _by_code(segments) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for s in segments:
        out[s.code.key].add(s.review_id)
    return out


@needs_coding
def test_consensus_replaces_the_coders_codes_and_two_coders_count_once(users):
    Codebook = apps.get_model("coding", "Codebook")
    Code = apps.get_model("coding", "Code")
    Segment = apps.get_model("coding", "CodedSegment")
    book = Codebook.objects.create(key="recommendation_themes", name="Rec", source="001")
    training = Code.objects.create(codebook=book, key="training", name="Training")
    sharing = Code.objects.create(codebook=book, key="info_sharing", name="Sharing", position=1)
    agreed = with_recommendations("CON-1", ["police"])
    disputed = with_recommendations("CON-2", ["police"])

    def code(review, code, coder, consensus=False):
        rec = Recommendation.objects.get(review=review)
        Segment.objects.create(codebook=book, codebook_version=1, code=code, review=review,
                               version=rec.version, target="recommendation",
                               recommendation=rec, coder=users[coder], status="accepted",
                               consensus=consensus)

    code(agreed, training, "analyst")
    code(agreed, training, "researcher")  # the same code by a second coder: counted once
    code(disputed, training, "analyst")
    code(disputed, sharing, "researcher")
    code(disputed, sharing, "admin", consensus=True)  # adjudicated: only this counts
    analyst = users["analyst"]
    counts = {k: n for k, _, n in sources.theme_review_counts(
        analyst, Scope(analyst, {}).reviews, "recommendation_themes")}
    assert counts == {"training": 1, "info_sharing": 1}
    assert Scope(analyst, {"theme": "training"}).review_count == 1
    table = build("themes_by_reviews", Scope(analyst, {}))
    assert table.total.cells[0].value == 2
