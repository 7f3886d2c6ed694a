"""The Quality Markers as data, what changed between versions, the counting of reviews
(each once), and the statutory timescales computed from a review's dates."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from observatory_core.quality import (
    MARKERS_FILE,
    QualityDataError,
    Report,
    changed_sections,
    is_available,
    load_markers,
    obstacle_frequency,
    parse_markers,
    reviews_finding_hard,
)
from observatory_core.stats.timeliness import Limit, Limits
from observatory_core.timescales import (
    DONE,
    DONE_LATE,
    DUE,
    OVERDUE,
    add_months,
    add_working_days,
    deadlines,
    load_rules,
)


def test_the_eighteen_markers_in_three_clusters():
    markers = load_markers()
    assert [m.number for m in markers.markers] == list(range(1, 19))
    sizes = {c: sum(m.cluster == c for m in markers.markers) for c in markers.clusters}
    assert sizes == {"setting_up": 5, "running": 8, "outputs": 5}
    assert markers.marker(6).cluster == "running"  # commissioning runs the review
    assert "NSPCC/SCIE (2016)" in markers.source
    assert markers.stages["during"].markers == tuple(range(6, 14))


def test_unknown_sections_are_not_invented():
    markers = load_markers()
    # Known gaps of the source stay empty: the screens say "not yet available".
    assert not is_available(markers.marker(5).content(), "questions")
    assert not is_available(markers.marker(1).content(), "knowledge_base")
    assert is_available(markers.marker(8).content(), "guidance_links")
    # No equality section in the source is known, not missing.
    assert is_available(markers.marker(3).content(), "equality_diversity")
    assert not is_available(markers.marker(12).content(), "equality_diversity")


def _data() -> dict:
    return tomllib.loads(MARKERS_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("break_it, message", [
    (lambda d: d["markers"].append(dict(d["markers"][0])), "repeat"),
    (lambda d: d["markers"][0].update(cluster="elsewhere"), "unknown cluster"),
    (lambda d: d["stages"]["during"]["markers"].append(40), "unknown markers"),
    (lambda d: d["stages"].pop("end"), "stages must be"),
    (lambda d: d["markers"][0].update(equality_diversity="x"), "not present"),
])
def test_bad_marker_data_is_refused(break_it, message):
    data = _data()
    break_it(data)
    with pytest.raises(QualityDataError, match=message):
        parse_markers(data)


def test_changed_sections_name_what_changed():
    old = load_markers().marker(13).content()
    new = {**old, "statement": "Something else", "questions": [*old["questions"], "More?"]}
    assert changed_sections(old, new) == ["Quality statement",
                                          "How might you know you are meeting this marker?"]
    assert changed_sections(old, dict(old)) == []


def test_each_review_counts_once():
    reports = [Report(1, 13, True, ("No supervision",)), Report(1, 13, True, ("No supervision",)),
               Report(2, 13, False, ("No supervision",)), Report(2, 8, True),
               Report(3, 13, True)]
    assert reviews_finding_hard(reports) == {13: 2, 8: 1}
    assert obstacle_frequency(reports) == {"No supervision": 2}


def test_working_days_and_months():
    assert add_working_days(date(2026, 12, 4), 5) == date(2026, 12, 11)  # Friday + 5
    assert add_working_days(date(2026, 12, 5), 1) == date(2026, 12, 7)  # Saturday -> Monday
    assert add_months(date(2015, 1, 31), 1) == date(2015, 2, 28)
    assert add_months(date(2015, 2, 1), 6) == date(2015, 8, 1)


def test_deadlines_follow_the_edition_in_force():
    limits = Limits("", (Limit("WT 2010", date(2010, 3, 1), 6, ("scr",), ""),))
    # An SCR of 2015: the decision within a month of notification, completion in six.
    scr = deadlines("scr", {"notification_date": date(2015, 1, 5),
                            "decision_date": date(2015, 2, 20),
                            "completion_date": date(2015, 8, 1)}, date(2016, 1, 1),
                    limits=limits)
    assert [(d.key, d.due, d.state) for d in scr] == [
        ("decision", date(2015, 2, 5), DONE_LATE), ("completion", date(2015, 8, 20), DONE)]
    # A local review of 2024 still running: notification and rapid review in working days.
    rules = load_rules()
    today = date(2024, 9, 1)
    local = deadlines("lcspr", {"incident_date": date(2024, 3, 1),
                                "notification_date": date(2024, 3, 6),
                                "decision_date": date(2024, 3, 29)}, today, rules=rules,
                      limits=Limits("", (Limit("WT 2023", date(2023, 12, 1), 6, ("lcspr",),
                                               ""),)))
    got = {d.key: d for d in local}
    assert got["notification"].due == date(2024, 3, 8) and got["notification"].state == DONE
    assert got["rapid_review"].due == date(2024, 3, 27)
    assert got["rapid_review"].state == DONE_LATE
    assert got["completion"].due == date(2024, 9, 29) and got["completion"].state == DUE
    assert got["completion"].days_left == 28
    assert "decision" not in got  # the 2006 one-month rule is not a local review's
    late = deadlines("lcspr", {"decision_date": date(2024, 1, 10)}, today, rules=rules,
                     limits=Limits("", (Limit("WT 2023", date(2023, 12, 1), 6, ("lcspr",),
                                              ""),)))
    assert late[0].state == OVERDUE and late[0].as_dict()["days_over"] == 53
