"""Learning across reviews' dialogues: which markers reviews find hard, which obstacles
recur, what helped. Counts are of reviews (each once, ``observatory_core.quality``).

Nationally only counts leave this module, through ``observatory_core.stats`` with the
small-number rule for anyone whose role does not reach unsuppressed statistics everywhere;
obstacles proposed but not yet approved are not counted nationally (their words are a
participant's, unchecked). A partnership sees its own reviews' figures in full.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from observatory_core.access import EVERYWHERE, reach
from observatory_core.quality import Report, obstacle_frequency, reviews_finding_hard
from observatory_core.stats import Category, Table, one_way

from ..accounts.access import areas_of, role_of
from .models import Dialogue, Entry, Obstacle
from .services import markers

SOURCE = ("Quality Marker dialogues recorded in this service by partnerships about their own "
          "reviews; markers from NSPCC/SCIE (2016) Serious case review quality markers.")


def unsuppressed(user: Any) -> bool:
    return reach(role_of(user), "unsuppressed_statistics", "view") == EVERYWHERE


def reports(dialogues: Q, *, approved_only: bool) -> list[Report]:
    entries = (Entry.objects.filter(dialogue__in=Dialogue.objects.filter(dialogues))
               .values_list("pk", "dialogue__review_id", "marker", "found_hard", "helped"))
    obstacles: dict[int, list[str]] = {}
    through = Entry.obstacles.through.objects.filter(
        entry_id__in=[e[0] for e in entries]).values_list("entry_id", "obstacle__text",
                                                          "obstacle__status")
    for entry_id, text, status in through:
        if not approved_only or status == Obstacle.APPROVED:
            obstacles.setdefault(entry_id, []).append(text)
    return [Report(review, number, hard, tuple(obstacles.get(pk, ())), bool(helped))
            for pk, review, number, hard, helped in entries]


def national_tables(user: Any) -> tuple[Table, Table, int]:
    public = not unsuppressed(user)
    rows = reports(Q(), approved_only=True)
    base = len({r.review for r in rows})
    hard = reviews_finding_hard(rows)
    titles = {m.number: f"{m.number}. {m.title}" for m in markers()}
    marker_table = one_way(
        "quality_markers_hard", "Quality Markers reviews found hard",
        [Category(str(n), titles[n], hard.get(n, 0)) for n in sorted(titles)],
        public=public, unit="reviews", row_header="Quality Marker", additive=False, base=base,
        source=SOURCE, empty_message="No review has recorded a Quality Marker dialogue yet.",
        notes=["A review counts once for a marker however many participants or stages "
               "found it hard; a review may find several markers hard, so the rows do not "
               "add up to the total."], total_label="Reviews with a dialogue")
    freq = obstacle_frequency(rows)
    obstacle_table = one_way(
        "quality_obstacles", "Obstacles met, by how many reviews met them",
        [Category(f"o{i}", text, n) for i, (text, n) in enumerate(
            sorted(freq.items(), key=lambda kv: (-kv[1], kv[0])))],
        public=public, unit="reviews", row_header="Obstacle", additive=False, base=base,
        source=SOURCE, empty_message="No obstacle has been recorded yet.",
        notes=["Only obstacles an administrator has approved for the shared list are "
               "counted here."], total_label="Reviews with a dialogue")
    return marker_table, obstacle_table, base


def partnership_learning(user: Any) -> dict[str, Any] | None:
    """The user's own partnership's reviews: markers found hard (with the reviews),
    obstacles met and what helped, in the participants' words."""
    areas = areas_of(user)
    if role_of(user) != "partnership" or not areas:
        return None
    mine = Q(review__local_authority_id__in=sorted(areas))
    rows = reports(mine, approved_only=False)
    entries = (Entry.objects.filter(dialogue__in=Dialogue.objects.filter(mine))
               .select_related("dialogue__review"))
    titles = {m.number: m.title for m in markers()}
    hard: dict[int, set[str]] = {}
    helped = []
    for e in entries:
        if e.found_hard:
            hard.setdefault(e.marker, set()).add(e.dialogue.review.reference)
        if e.helped:
            helped.append({"marker": e.marker, "title": titles.get(e.marker, ""),
                           "review": e.dialogue.review.reference, "text": e.helped})
    return {"reviews": len({r.review for r in rows}),
            "hard": [{"marker": n, "title": titles.get(n, ""), "reviews": sorted(refs),
                      "count": len(refs)} for n, refs in
                     sorted(hard.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
            "obstacles": [{"text": t, "reviews": n} for t, n in
                          sorted(obstacle_frequency(rows).items(),
                                 key=lambda kv: (-kv[1], kv[0]))],
            "helped": helped}
