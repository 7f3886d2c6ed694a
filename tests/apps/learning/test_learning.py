"""Learning into practice through the database: findings published through the gate and
found by facet and words with suppressed counts, briefings drafted from coded evidence,
approved by a second analyst, refused with the reason, versioned, withdrawn with the reason
shown, as PDF and Atom feeds (parsed by feedparser); sanitised HTML."""

from __future__ import annotations

import feedparser
import pytest
from django.test import Client

from observatory.ingestion.models import PersonalDataFlag
from observatory.ingestion.redaction import finish_review
from observatory.learning import services
from observatory.learning.models import Briefing, PublishedFinding
from observatory_core.stats.suppression import load_rule

from ..conftest import OTHER_AREA, OWN_AREA
from .helpers import coded_finding

pytestmark = pytest.mark.django_db


def test_finding_published_redacted_and_found_by_facets_with_suppressed_counts(users):
    analyst = users["analyst"]
    made = []
    for i in range(6):
        finding = coded_finding(f"LF-{i}", analyst, area=OTHER_AREA if i == 5 else OWN_AREA)
        published, blocks = services.publish_finding(finding, analyst)
        assert blocks == [] and published is not None
        made.append(published)
    assert "Mr Example Person" not in made[0].text and "[REDACTED: name]" in made[0].text
    public = Client()
    page = public.get("/learning/findings/", {"stage": "C", "q": "referral", "format": "json"})
    data = page.json()["data"]
    assert data["count"] == "6" and len(data["findings"]) == 6
    facets = {f["name"]: {v["key"]: v["count"] for v in f["values"]} for f in data["facets"]}
    assert facets["stage"] == {"C": "6"} and facets["professional"] == {"prof_school": "6"}
    # One finding from Bristol: the area facet is not a facet, but a word narrows to 1 and
    # every count below the threshold is shown as the suppression symbol.
    one = public.get("/learning/findings/", {"q": "LF-5", "format": "json"}).json()["data"]
    symbol = load_rule().symbol
    assert one["count"] == symbol
    assert {v["count"] for f in one["facets"] for v in f["values"]} == {symbol}
    assert public.get("/learning/findings/", {"stage": "issue_02"}).status_code == 400
    detail = public.get(f"/learning/findings/{made[0].pk}/?format=json").json()["data"]
    assert detail["report_url"] and len(detail["related"]) == 5
    assert detail["area"] == "Birmingham" and detail["year"] == 2016 and not detail["age_band"]
    topic = public.get("/learning/topics/issue_02/?format=json").json()["data"]
    assert topic["findings_count"] == "6"


def test_finding_refused_with_reasons(users):
    analyst = users["analyst"]
    undecided = coded_finding("LR-1", analyst, decided=False)
    published, blocks = services.publish_finding(undecided, analyst)
    assert published is None
    assert [b.code for b in blocks] == ["flags_undecided"]
    assert "1 personal-data flag still to decide" in blocks[0].message
    hidden = coded_finding("LR-2", analyst, published=False)
    assert "not_public" in [b.code for b in services.publish_finding(hidden, analyst)[1]]
    alone = coded_finding("LR-3", analyst, area=OTHER_AREA, year=2011)
    _, blocks = services.publish_finding(alone, analyst, show_age_band=True)
    assert [b.code for b in blocks] == ["identifiable"]
    assert "child's age band" in blocks[0].message
    assert services.publish_finding(alone, analyst)[0] is not None  # without the age band
    assert PublishedFinding.objects.count() == 1


def test_briefing_drafted_second_person_approves_gate_blocks_versions_withdraw(users):
    analyst, second = users["analyst"], users["admin"]
    finding = coded_finding("LB-1", analyst, decided=False)
    briefing = services.draft_briefing("issue_02", analyst)
    v1 = briefing.latest
    assert "[REDACTED: name]" not in v1.example_text  # not decided: the name is still there
    with pytest.raises(services.LearningError, match="second person"):
        services.approve_briefing(briefing, analyst)
    blocks = services.approve_briefing(briefing, second)
    assert [b.code for b in blocks] == ["flags_undecided"]
    briefing.refresh_from_db()
    assert briefing.status == Briefing.DRAFT and "still to decide" in briefing.blocked[0]["message"]
    public = Client()
    assert public.get(f"/learning/briefings/{briefing.slug}/").status_code == 404
    # A person decides the flag: the example drafted before still quotes the name, so the
    # gate refuses it as unredacted; the next version quotes it redacted.
    PersonalDataFlag.objects.filter(version=finding.version).update(status="confirmed")
    finish_review(finding.version, analyst)
    assert [b.code for b in services.approve_briefing(briefing, second)] == ["not_redacted"]
    services.edit_briefing(briefing, analyst, title="Referrals logged as information",
                           summary="<p onclick='x()'>Short <script>alert(1)</script>summary</p>",
                           sections={"solutions": "<p>Ring back.<a href='javascript:x'>x</a></p>"},
                           note="Wrote the solutions")
    v2 = briefing.latest
    assert "[REDACTED: name]" in v2.example_text and "Example Person" not in v2.example_text
    assert v2.number == 2 and "script" not in v2.summary and "onclick" not in v2.summary
    assert "javascript" not in v2.sections["solutions"] and "Ring back." in v2.sections["solutions"]
    assert services.approve_briefing(briefing, second) == []
    briefing.refresh_from_db()
    assert briefing.status == Briefing.PUBLISHED and briefing.published_version == v2
    page = public.get(f"/learning/briefings/{briefing.slug}/?format=json").json()["data"]
    assert page["title"] == "Referrals logged as information"
    assert [s["key"] for s in page["sections"]] == ["issue", "example", "why", "solutions",
                                                     "questions"]
    assert page["figures"]["base_shown"] == load_rule().symbol  # 2 reviews: suppressed
    assert all(r["count"] is None for r in page["figures"]["rows"])
    pdf = public.get(f"/learning/briefings/{briefing.slug}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    feed = feedparser.parse(public.get("/learning/feeds/briefings/").content)
    assert not feed.bozo and feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Referrals logged as information"]
    per_topic = feedparser.parse(public.get("/learning/topics/C/feeds/briefings/").content)
    assert len(per_topic.entries) == 1
    other = feedparser.parse(public.get("/learning/topics/G/feeds/briefings/").content)
    assert not other.bozo and other.entries == []
    # An update: a new version waits for approval while the published one stays.
    services.edit_briefing(briefing, second, title="Referrals logged as information",
                           summary="Short summary", sections={}, note="Tightened")
    services.approve_briefing(briefing, analyst)
    briefing.refresh_from_db()
    assert briefing.published_version.number == 3
    history = public.get(f"/learning/briefings/{briefing.slug}/?format=json").json()["data"]
    assert [h["note"] for h in history["history"]] == ["Wrote the solutions", "Tightened"]
    services.withdraw_briefing(briefing, second, "Superseded by national guidance")
    gone = public.get(f"/learning/briefings/{briefing.slug}/")
    assert gone.status_code == 200 and b"Superseded by national guidance" in gone.content
    assert public.get(f"/learning/briefings/{briefing.slug}/pdf/").status_code == 404
    assert feedparser.parse(public.get("/learning/feeds/briefings/").content).entries == []


def test_findings_feed_parses(users):
    finding = coded_finding("LFEED-1", users["analyst"])
    services.publish_finding(finding, users["analyst"])
    public = Client()
    feed = feedparser.parse(public.get("/learning/feeds/findings/").content)
    assert not feed.bozo and len(feed.entries) == 1
    assert "[REDACTED: name]" in feed.entries[0].summary
    topic = feedparser.parse(public.get("/learning/topics/prof_school/feeds/findings/").content)
    assert len(topic.entries) == 1
    assert public.get("/learning/topics/nothing/feeds/findings/").status_code == 404


def test_a_reason_coded_twice_in_one_review_counts_that_review_once(users):
    from observatory.coding.models import CodedSegment

    finding = coded_finding("LTWICE-1", users["analyst"])
    reason = CodedSegment.objects.get(finding=finding, code__key="reason_unfamiliar_process")
    reason.pk, reason.coder = None, users["researcher"]  # a second coder, same code
    reason.save()
    evidence, _ = services.evidence("issue_02")
    counts = {r.key: r.count for r in evidence.reasons}
    assert evidence.reviews == 1 and counts["reason_unfamiliar_process"] == 1
