"""The standard tables, by name: each builds an observatory_core Table for a scope (who
is asking, with which filters). Suppression happens in the core before anything renders;
roles without ``unsuppressed_statistics`` get suppressed tables.

``observatory table --list`` and the dashboard list this registry.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from django.db.models import QuerySet

from observatory_core.access import allowed
from observatory_core.places import place_codes, place_list
from observatory_core.stats import Category, Column, Point, Spread, Table, count_phrase, load_rule
from observatory_core.stats import build as core
from observatory_core.stats.timeliness import load_limits

from ..accounts.access import areas_of, role_of
from ..ingestion.counting import RULE_NOTE as RECOMMENDATION_COUNTING_RULE
from ..repository.filters import visible_reviews
from ..repository.models import Review
from ..vocabularies.models import LocalAuthority
from . import filters as flt
from . import sources
from .models import ChildDeathFigure, Evaluation
from .population import denominator

CODED_RULE = ("Which codes count: codes a person accepted, never suggestions; where a "
              "passage, recommendation or finding was adjudicated, only its consensus coding. "
              "Reviews (and recommendations) are counted, not codes, so a code two coders "
              "both applied in the same review counts once.")
CODED_SOURCE = ("Accepted codes of the case themes codebook (as in the 2010 analysis of 932 "
                "recommendations from serious case reviews, Table 3 and Figure 3), "
                "on case passages and on recommendations.")
# Which versions and which recommendations count: one rule each (repository.services,
# ingestion.counting), stated on every table that counts them.
CURRENT_RULE = ("Only each document's current version is counted (its latest upload unless a "
                "person chose another); codes on older versions stay in the document's "
                "history.")
RECOMMENDATIONS_RULE = RECOMMENDATION_COUNTING_RULE
NEEDS_CODED = ("Not yet available: this table counts the codes people have accepted when "
               "coding reviews{why}. It fills in as soon as reviews are coded.")


def may_see_unsuppressed(user: Any, filters: dict[str, str] | None = None) -> bool:
    """Every figure unsuppressed: roles granted it everywhere, and a partnership for a scope
    filtered to a place wholly within its own areas (its own figures)."""
    role = role_of(user)
    if allowed(role, "unsuppressed_statistics", "view"):
        return True
    place = (filters or {}).get("local_authority")
    if not place or not allowed(role, "unsuppressed_statistics", "view", same_area=True):
        return False
    own = set(LocalAuthority.objects.filter(pk__in=areas_of(user))
              .values_list("gss_code", flat=True))
    return bool(own) and place_codes(place) <= own


@dataclass
class Scope:
    user: Any
    filters: dict[str, str] = field(default_factory=dict)
    public: bool | None = None

    def __post_init__(self) -> None:
        if self.public is None:
            self.public = not may_see_unsuppressed(self.user, self.filters)

    @cached_property
    def reviews(self) -> QuerySet[Review]:
        return flt.apply(visible_reviews(self.user), self.filters, self.user)

    @cached_property
    def review_count(self) -> int:
        return self.reviews.count()

    def drill(self, **cell: Any) -> dict[str, str]:
        return {**self.filters, **{k: ("none" if v is None else str(v)) for k, v in cell.items()}}


@dataclass(frozen=True)
class TableDef:
    name: str
    title: str
    description: str
    build: Callable[[Scope], Table]
    chart: str = "bar"  # bar | line | scatter | none
    evidence: str = "reviews"  # reviews | recommendations | coded | evaluations
    seed: str = ""


REGISTRY: dict[str, TableDef] = {}


def register(name: str, title: str, description: str, chart: str = "bar",
             evidence: str = "reviews", seed: str = ""):
    def wrap(func: Callable[[Scope], Table]) -> Callable[[Scope], Table]:
        REGISTRY[name] = TableDef(name, title, description, func, chart, evidence, seed)
        return func

    return wrap


def build(name: str, scope: Scope) -> Table:
    return REGISTRY[name].build(scope)


def shown(tables: list[Table], public: bool | None) -> list[Table]:
    """The tables a dashboard or report shows: public output leaves out a table with
    nothing in it (an empty table, or one waiting for coded data, tells a visitor nothing)."""
    return [t for t in tables if not (public and t.empty)]


# -- counts of reviews --------------------------------------------------------------------
def _term_table(scope: Scope, name: str, field_name: str, filter_name: str,
                multiple: bool = False) -> Table:
    d = REGISTRY[name]
    rows = sources.count_by_term(scope.reviews, field_name)
    label_missing = "None recorded" if multiple else "Not known"
    cats = [Category(code or "none", label if code else label_missing, n,
                     scope.drill(**{filter_name: code})) for code, label, n in rows]
    return core.one_way(name, d.title, cats, public=scope.public, additive=not multiple,
                        base=scope.review_count if multiple else None,
                        row_header=d.title.removeprefix("Reviews by ").capitalize(),
                        filters=scope.filters, total_drilldown=scope.drill(),
                        total_label="Reviews in scope" if multiple else "Total")


TERM_TABLES = [
    ("reviews_by_age_band", "Reviews by age band", "age_band", "age_band", False),
    ("reviews_by_sex", "Reviews by sex of the child", "child_sex", "sex", False),
    ("reviews_by_ethnicity", "Reviews by ethnicity of the child", "child_ethnicity",
     "ethnicity", False),
    ("reviews_by_outcome", "Reviews by outcome for the child", "outcome", "outcome", False),
    ("reviews_by_review_type", "Reviews by review type", "review_type", "review_type", False),
    ("reviews_by_review_method", "Reviews by review method", "review_method", "review_method",
     False),
    ("reviews_by_abuse_category", "Reviews by category of abuse or neglect",
     "abuse_categories", "abuse_category", True),
    ("reviews_by_family_characteristic", "Reviews by family characteristic",
     "family_characteristics", "family_characteristic", True),
    ("reviews_by_agency", "Reviews by agency involved", "agencies", "agency", True),
]
for _name, _title, _field, _filter, _multi in TERM_TABLES:
    register(_name, _title, f"Number of reviews per {_title.split(' by ', 1)[1]}"
             + (" (a review can count in several rows)" if _multi else "") + ".")(
        lambda scope, n=_name, f=_field, k=_filter, m=_multi: _term_table(scope, n, f, k, m))


@register("reviews_by_year", "Reviews by year", "Number of reviews per year of the decision "
          "to review, with a 95% Poisson interval (exact, Byar above 388): the trend.",
          chart="line")
def reviews_by_year(scope: Scope) -> Table:
    cats = [Category(str(y) if y else "none", str(y) if y else "Not known", n,
                     scope.drill(year=y) if y else scope.drill())
            for y, n in sources.count_by_year(scope.reviews)]
    # A trend to a year (the annual report's) ends at a year whose total the report prints:
    # secondary suppression protects small years with other cells where it can.
    last = scope.filters.get("year_to", "")
    return core.one_way("reviews_by_year", "Reviews by year", cats, public=scope.public,
                        published=(last,) if last else (),
                        count_ci=True, row_header=flt.YEAR_LABEL, filters=scope.filters,
                        total_drilldown=scope.drill(),
                        notes=("The interval treats each year's count as a Poisson count: "
                               "it shows how much a count could vary by chance.",))


@register("reviews_by_region", "Reviews by region", "Number of reviews and rate per 10,000 "
          "population by region (the denominator is stated on the table).")
def reviews_by_region(scope: Scope) -> Table:
    den = denominator(_year(scope))
    pops = den.by_region
    rows = sources.count_by(scope.reviews, "local_authority__region_code",
                            "local_authority__region_name")
    cats = [Category(code, label, n, scope.drill(region=code)) for code, label, n in rows]
    return core.one_way("reviews_by_region", "Reviews by region", cats, public=scope.public,
                        populations=pops, population_label=den.label, row_header="Region",
                        filters=scope.filters, total_drilldown=scope.drill(),
                        notes=(den.source,))


@register("reviews_by_local_authority", "Reviews by local area", "Number of reviews and "
          "rate per 10,000 population by local area.")
def reviews_by_local_authority(scope: Scope) -> Table:
    den = denominator(_year(scope))
    # One row per place: an area's reviews under an earlier code count in its row.
    places = {code: place for place in place_list() for code in place.codes}
    counts: Counter[str] = Counter()
    for code, _, n in sources.count_by(scope.reviews, "local_authority__gss_code",
                                       "local_authority__name"):
        counts[places[code].code if code in places else code] += n
    labels = {p.code: p.label for p in places.values()}
    cats = [Category(code, labels.get(code, code), n, scope.drill(area=code))
            for code, n in sorted(counts.items(), key=lambda kv: labels.get(kv[0], kv[0]))]
    return core.one_way("reviews_by_local_authority", "Reviews by local area", cats,
                        public=scope.public, populations=den.by_area,
                        population_label=den.label, row_header="Local area",
                        filters=scope.filters, total_drilldown=scope.drill(),
                        notes=(den.source,))


@register("reviews_by_region_and_year", "Reviews by region and year",
          "Number of reviews by region and year of the decision to review, with row and "
          "column totals (a two-way table: small numbers and the totals that would reveal "
          "them are suppressed in public output).", chart="none")
def reviews_by_region_and_year(scope: Scope) -> Table:
    rows = sources.count_by_region_and_year(scope.reviews)
    counted = [r for r in rows if r[0] is not None and r[2] is not None]
    regions = sorted({(code, name) for code, name, _, _ in counted}, key=lambda r: r[1])
    years = sorted({y for _, _, y, _ in counted})
    n = {(code, y): count for code, _, y, count in counted}
    left_out = sum(r[3] for r in rows) - sum(n.values())
    notes = [f"Year is the {flt.YEAR_LABEL.lower()}."]
    if left_out:
        left = count_phrase(left_out, "review", public=scope.public)
        notes.append(f"{left.capitalize()} without a date of the decision to review or a "
                     "region are not in this table.")
    return core.two_way(
        "reviews_by_region_and_year", "Reviews by region and year",
        [Category(code, name, 0, scope.drill(region=code)) for code, name in regions],
        [Category(str(y), str(y), 0, scope.drill(year=y)) for y in years],
        [[n.get((code, y), 0) for y in years] for code, _ in regions],
        drilldowns=[[scope.drill(region=code, year=y) for y in years] for code, _ in regions],
        public=scope.public, row_header="Region", filters=scope.filters, notes=tuple(notes),
        empty_message="No reviews with a region and a year match these filters.")


def _year(scope: Scope) -> int | None:
    value = scope.filters.get("year") or scope.filters.get("year_to")
    return int(value) if value else None


AGE_GROUPS_003 = (("under_1", "Under 1 year", 0, 12), ("1_to_10", "1 to 10 years", 12, 132),
                  ("11_plus", "11 years and over", 132, None))


@register("ages", "Ages of the children", "Children who were the subject of reviews by the "
          "age groups of Ofsted's 2008 evaluation report (Figure 1).", seed="003 Figure 1")
def ages(scope: Scope) -> Table:
    counts: Counter[str] = Counter()
    for months in sources.ages_in_months(scope.reviews):
        for key, _, low, high in AGE_GROUPS_003:
            if months is not None and months >= low and (high is None or months < high):
                counts[key] += 1
                break
        else:
            counts["unknown"] += 1
    cats = []
    for key, label, low, high in AGE_GROUPS_003:
        dd = scope.drill(age_from=low // 12, **({"age_to": high // 12} if high else {}))
        cats.append(Category(key, label, counts[key], dd))
    if counts["unknown"]:
        cats.append(Category("unknown", "Age not known", counts["unknown"], {}))
    return core.one_way("ages", "Ages of the children", cats, public=scope.public,
                        row_header="Age group", filters=scope.filters,
                        total_drilldown=scope.drill(),
                        source="Age groups of Ofsted's 2008 evaluation of 50 serious case reviews, "
                               "Figure 1 and paragraphs 13-18.")


@register("timeliness", "Timeliness", "Reviews completed within the time the guidance in "
          "force at the decision allowed (data/analysis/timeliness.toml), by year.")
def timeliness(scope: Scope) -> Table:
    by_year: dict[int, list[float]] = {}
    status: dict[int, Counter[str]] = {}
    for _, kind, decided, months in sources.timeliness_rows(scope.reviews):
        state = sources.timeliness_status(kind, decided, months)
        if state == "unknown":
            continue
        status.setdefault(decided.year, Counter())[state] += 1
        by_year.setdefault(decided.year, []).append(months)
    years = sorted(status)
    rows = [Category(str(y), str(y), 0, scope.drill(year=y)) for y in years]
    cols = [Category("within", "Within the limit", 0, scope.drill(timeliness="within")),
            Category("over", "Over the limit", 0, scope.drill(timeliness="over"))]
    counts = [[status[y]["within"], status[y]["over"]] for y in years]
    drills = [[scope.drill(year=y, timeliness="within"), scope.drill(year=y, timeliness="over")]
              for y in years]
    medians = [round(statistics.median(by_year[y]), 1) for y in years]
    limits = load_limits()
    notes = tuple(f"{lim.guidance} (from {lim.effective_from:%-d %B %Y}): {lim.months:g} months"
                  f" for {', '.join(lim.review_types) or 'all reviews'}; {lim.citation}."
                  for lim in limits.limits)
    return core.two_way("timeliness", "Timeliness", rows, cols, counts, public=scope.public,
                        drilldowns=drills, percent_of=0, total_label="Reviews assessed",
                        extra=[(Column("median", "Median months", "number"), medians)],
                        row_header=flt.YEAR_LABEL, filters=scope.filters,
                        notes=("Months from the decision to review to completion, against "
                               "the limit in force on the date of the decision. Reviews "
                               "without both dates, or of a type with no limit, are left "
                               "out.", *notes), source=limits.source)


# -- recommendations (ingestion) ----------------------------------------------------------
@register("recommendations_by_agency", "Recommendations by agency",
          "Recommendations per review and per agency addressed, with mean and range "
          "(as in the 2010 analysis of 932 recommendations, Table 1), from the recommendations "
          "found in review documents.",
          evidence="recommendations", seed="001 Table 1")
def recommendations_by_agency(scope: Scope) -> Table:
    overall, per_agency, labels = sources.recommendations_per_review(scope.user, scope.reviews)
    n = overall.with_any  # reviews with any (visible) recommendation: the mean's base
    groups = []
    for code, label in sorted(labels.items(), key=lambda kv: kv[1]):
        a = per_agency[code]
        # Reviews in scope without a recommendation to this agency count as zeros.
        smallest = a.smallest if a.with_any == n else 0
        groups.append(Spread(code or "none", label, a.total, a.with_any, n, smallest,
                             a.largest, scope.drill(rec_agency=code) if code else scope.drill()))
    total = Spread("total", "All recommendations", overall.total, n, n,
                   overall.smallest if n else None, overall.largest if n else None,
                   scope.drill())
    return core.summary("recommendations_by_agency", "Recommendations by agency", groups,
                        public=scope.public, total=total, row_header="Agency addressed",
                        filters=scope.filters, source="Recommendations found by ingestion "
                        "in review documents, with the agency each is addressed to.",
                        notes=(f"{count_phrase(n, 'review', public=scope.public).capitalize()}"
                               " with recommendations are in scope; mean and range are per "
                               "review over all of them (zeros included).",
                               RECOMMENDATIONS_RULE),
                        empty_message="No recommendations have been found in the reviews "
                                      "matching these filters.")


@register("agency_report_recommendations", "Recommendations in agencies' own reports",
          "Recommendations agencies made to themselves in their individual management "
          "reviews (IMRs), per review and per agency: counted apart from the reviews' own.",
          evidence="recommendations")
def agency_report_recommendations(scope: Scope) -> Table:
    name, title = "agency_report_recommendations", "Recommendations in agencies' own reports"
    overall, per_agency, labels = sources.recommendations_per_review(
        scope.user, scope.reviews, agencies_own=True)
    n = overall.with_any
    groups = [Spread(code or "none", label, per_agency[code].total, per_agency[code].with_any,
                     n, per_agency[code].smallest if per_agency[code].with_any == n else 0,
                     per_agency[code].largest, None)
              for code, label in sorted(labels.items(), key=lambda kv: kv[1])]
    total = Spread("total", "All agencies' own recommendations", overall.total, n, n,
                   overall.smallest if n else None, overall.largest if n else None, None)
    return core.summary(name, title, groups, public=scope.public, total=total,
                        row_header="Agency addressed", filters=scope.filters,
                        source="Recommendations found by ingestion in individual management "
                               "reviews (IMRs): each agency's own, not the review's.",
                        notes=(RECOMMENDATIONS_RULE,),
                        empty_message="No agency reports with recommendations are in the "
                                      "reviews matching these filters.")


# -- coded data (the coding app) ----------------------------------------------------------
def _needs_coded(name: str, title: str, scope: Scope, why: str) -> Table:
    # The public is not told about the coding work behind a table, only that it is empty.
    message = ("No figures are published for this table yet." if scope.public
               else NEEDS_CODED.format(why=why))
    return Table(name, title, (), (), None, rule=load_rule().describe(),
                 suppressed_output=bool(scope.public), filters=scope.filters,
                 empty_message=message)


@register("themes_by_reviews", "Recommendation themes by number of reviews",
          "How many reviews made recommendations on each theme (as in the 2010 analysis of 932 "
          "recommendations, Table 2).",
          evidence="coded", seed="001 Table 2")
def themes_by_reviews(scope: Scope) -> Table:
    name, title = "themes_by_reviews", REGISTRY["themes_by_reviews"].title
    counted = sources.themes_and_base(scope.user, scope.reviews,
                                      sources.RECOMMENDATION_THEMES)
    rows, base = counted
    if not rows:
        return _needs_coded(name, title, scope, ": no accepted recommendation-theme codes "
                                                "in these reviews")
    cats = [Category(k, label, n, scope.drill(theme=k)) for k, label, n in rows]
    return core.one_way(name, title, cats, public=scope.public, additive=False, base=base,
                        row_header="Theme", filters=scope.filters,
                        total_label="Reviews with coded recommendations",
                        total_drilldown=scope.drill(),
                        notes=(CODED_RULE, CURRENT_RULE, RECOMMENDATIONS_RULE),
                        source="Accepted codes of the recommendation themes codebook "
                               "(as in the 2010 analysis of 932 recommendations, chapter 3 and "
                               "Table 2).")


def _case_theme_rows(scope: Scope):
    return sources.case_themes_against_recommendations(scope.user, scope.reviews)


def _case_themes_or_empty(name: str, title: str, scope: Scope) -> tuple[list, Table | None]:
    """The case-theme rows both 001 Table 3 and Figure 3 are drawn from, or the table that
    says why there are none (no accepted codes in scope)."""
    rows = _case_theme_rows(scope)
    if not rows:
        return [], _needs_coded(name, title, scope, ": no accepted case-theme codes in these "
                                                    "reviews")
    return rows, None


@register("case_themes_vs_recommendations", "Case themes against recommendations",
          "How often each case theme arose and how often recommendations addressed it "
          "(as in the 2010 analysis of 932 recommendations, Table 3).", evidence="coded",
          seed="001 Table 3")
def case_themes_vs_recommendations(scope: Scope) -> Table:
    name, title = "case_themes_vs_recommendations", "Case themes against recommendations"
    rows, empty = _case_themes_or_empty(name, title, scope)
    if empty:
        return empty
    cats = [Category(k, label, 0, scope.drill(theme=k)) for k, label, *_ in rows]
    cols = [Column("cases", "Cases in which it arose"),
            Column("recommendations", "Recommendations on it"),
            Column("addressed", "Cases with a recommendation on it")]
    counts = [[c, r, a] for _, _, c, r, a in rows]
    return core.columns_table(name, title, cats, cols, counts, public=scope.public,
                              row_header="Case theme", filters=scope.filters,
                              notes=(CODED_RULE, CURRENT_RULE, RECOMMENDATIONS_RULE),
                              source=CODED_SOURCE)


@register("theme_quadrant", "Frequency of themes and recommendations",
          "Each case theme by how often it arose and how many recommendations addressed it, "
          "split at the medians (as in the 2010 analysis of 932 recommendations, Figure 3).",
          chart="scatter", evidence="coded",
          seed="001 Figure 3")
def theme_quadrant(scope: Scope) -> Table:
    name, title = "theme_quadrant", "Frequency of themes and recommendations"
    rows, empty = _case_themes_or_empty(name, title, scope)
    if empty:
        return empty
    points, mx, my = core.quadrants([Point(k, label, c, r) for k, label, c, r, _ in rows])
    cats = [Category(p.key, p.label, 0, scope.drill(theme=p.key)) for p in points]
    cols = [Column("cases", "Cases in which it arose (x)"),
            Column("recommendations", "Recommendations on it (y)")]
    table = core.columns_table(name, title, cats, cols, [[p.x, p.y] for p in points],
                               public=scope.public, row_header="Case theme",
                               extra=[(Column("quadrant", "Quadrant", "text"),
                                       [p.quadrant for p in points])],
                               filters=scope.filters, source=CODED_SOURCE,
                               notes=(f"Split at the medians: {mx:g} cases, {my:g} "
                                      "recommendations.", CODED_RULE, CURRENT_RULE,
                                      RECOMMENDATIONS_RULE))
    return replace(table, splits=(mx, my))


# -- linked data --------------------------------------------------------------------------
JUDGEMENT_LABELS = {"outstanding": "Outstanding", "good": "Good", "adequate": "Adequate",
                    "inadequate": "Inadequate"}


def _evaluations(scope: Scope):
    rows = Evaluation.objects.select_related("local_authority")
    f = scope.filters
    if f.get("region"):
        rows = rows.filter(local_authority__region_code=f["region"])
    if f.get("local_authority"):
        rows = rows.filter(local_authority__gss_code__in=place_codes(f["local_authority"]))
    for key, op in (("year", "exact"), ("year_from", "gte"), ("year_to", "lte")):
        if f.get(key):
            rows = rows.filter(**{f"evaluation_date__year__{op}": int(f[key])})
    return rows


@register("evaluation_judgements", "Evaluation judgements", "Inspectorate judgements on "
          "reviews, e.g. Ofsted's evaluations of 2007-08 (Figure 2 of its 2008 report).",
          evidence="evaluations", seed="003 Figure 2")
def evaluation_judgements(scope: Scope) -> Table:
    counts = Counter(_evaluations(scope).values_list("judgement", flat=True))
    cats = [Category(k, label, counts[k], {**scope.filters, "judgement": k})
            for k, label in JUDGEMENT_LABELS.items() if counts[k] or k != "outstanding"]
    table = core.one_way("evaluation_judgements", "Evaluation judgements", cats,
                         public=scope.public, unit="evaluations", row_header="Judgement",
                         filters=scope.filters, total_drilldown=dict(scope.filters),
                         source="Inspectorate evaluations loaded into the observatory (Ofsted's "
                                "evaluations of 2007-08 come with it, from Annex A of its "
                                "2008 report).",
                         empty_message="No evaluations are loaded (or none match these "
                                       "filters). An administrator loads them from the "
                                       "inspectorate's published lists.")
    return table if sum(counts.values()) else Table(
        table.name, table.title, (), (), None, rule=table.rule, filters=scope.filters,
        suppressed_output=bool(scope.public), empty_message=table.empty_message)


@register("evaluation_judgements_by_region", "Evaluation judgements by region",
          "Inspectorate judgements on reviews by region.", evidence="evaluations",
          seed="003 Annex A")
def evaluation_judgements_by_region(scope: Scope) -> Table:
    rows = list(_evaluations(scope).values_list("local_authority__region_code",
                                                "local_authority__region_name", "judgement"))
    regions = sorted({(code, name) for code, name, _ in rows}, key=lambda r: r[1])
    judgements = [k for k in JUDGEMENT_LABELS if any(j == k for *_, j in rows)]
    counts = Counter((code, j) for code, _, j in rows)
    return core.two_way(
        "evaluation_judgements_by_region", "Evaluation judgements by region",
        [Category(c, n, 0, {**scope.filters, "region": c}) for c, n in regions],
        [Category(j, JUDGEMENT_LABELS[j], 0, {**scope.filters, "judgement": j})
         for j in judgements],
        [[counts[(c, j)] for j in judgements] for c, _ in regions], public=scope.public,
        unit="evaluations", row_header="Region", filters=scope.filters, test=True,
        empty_message="No evaluations are loaded (or none match these filters).")


@register("child_deaths_and_reviews", "Child deaths and reviews by year",
          "Child death review figures as imported, beside the number of reviews each year.",
          chart="none")
def child_deaths_and_reviews(scope: Scope) -> Table:
    f = scope.filters
    area = f.get("local_authority") or "E92000001"
    figures = ChildDeathFigure.objects.filter(area_code=area)
    deaths: dict[int, int] = {}
    for year, count in figures.values_list("year", "count"):
        deaths[year] = deaths.get(year, 0) + count
    reviews = dict(sources.count_by_year(scope.reviews))
    years = sorted(set(deaths) | {y for y in reviews if y})
    if not deaths:
        return Table("child_deaths_and_reviews", "Child deaths and reviews by year", (), (),
                     None, rule=load_rule().describe(), filters=scope.filters,
                     suppressed_output=bool(scope.public),
                     empty_message="No child death review figures are loaded for this area. "
                                   "An administrator loads them from the published child "
                                   "death review statistics.")
    cats = [Category(str(y), str(y), reviews.get(y, 0), scope.drill(year=y)) for y in years]
    table = core.one_way("child_deaths_and_reviews", "Child deaths and reviews by year", cats,
                         public=scope.public, percent=False, row_header="Year",
                         filters=scope.filters, total_drilldown=scope.drill())
    from observatory_core.stats import Row, StatCell

    rows = tuple(Row(r.key, r.label, (*r.cells, StatCell(deaths.get(int(r.key)), kind="number")))
                 for r in table.rows)
    total = Row("total", "Total", (*table.total.cells, StatCell(sum(deaths.get(y, 0)
                                                                    for y in years),
                                                                kind="number")))
    sources_text = "; ".join(sorted(set(figures.values_list("source", flat=True)) - {""}))
    return replace(table, columns=(*table.columns, Column("deaths", "Child deaths (published "
                                                                    "figure)", "number")),
                   rows=rows, total=total,
                   notes=("Child death figures are published aggregates as imported and are "
                          "shown as published.",), source=sources_text)
