"""No route answers a server error, whatever its query parameters say. Every URL pattern of
the resolver (pages and API) is walked, for several roles, with the parameters its view
reads, the API's declared parameters and the common ones, set to huge, negative,
non-numeric, unicode and empty values; an API error is JSON. A new route is walked the day
it is added. `make fuzz` (FUZZ_EXAMPLES) turns the quick pass into a campaign."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .route_world import (
    CONVERTER,
    ROLES,
    Route,
    all_routes,
    build_world,
    concrete,
    parameters_read_by,
)

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]
EXAMPLES = max(3, int(os.environ.get("FUZZ_EXAMPLES", "0")) // 100)
NASTY = ["1" + "0" * 30, str(2**63), "-1", "-" + "9" * 25, "abc", "", " ", "1.5", "1e400",
         "nan", "\u00e9\U0001f600\u202e", "0", "\x00", "%", "a" * 3000]
COMMON = {"page", "format", "limit", "offset", "version", "q", "mode", "section", "round",
          "download", "table", "lock", "units", "confidential"}


def _filter_names() -> set[str]:
    from observatory.analysis.filters import FILTER_NAMES
    from observatory.repository.filters import ReviewFilterForm

    return set(FILTER_NAMES) | set(ReviewFilterForm().fields)


def _api_parameters() -> dict[str, set[str]]:
    from observatory.api import api

    out: dict[str, set[str]] = {}
    for path, operations in api.get_openapi_schema()["paths"].items():
        names = {p["name"] for op in operations.values() if isinstance(op, dict)
                 for p in op.get("parameters", []) if p.get("in") == "query"}
        out[path] = names
    return out


def own_parameters(route: Route, api_params: dict[str, set[str]]) -> set[str]:
    """The parameters the route itself declares (API) or its view's module reads (pages)."""
    if route.is_api:
        return api_params.get("/" + CONVERTER.sub(r"{\2}", route.pattern), set())
    return parameters_read_by(route.module)


def client_for(role: str, users) -> Client:
    client = Client(raise_request_exception=False)
    if role != "public":
        client.force_login(users[role])
    return client


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User

    values = build_world(django_capture_on_commit_callbacks)
    users = {u.username: u for u in User.objects.all()}
    return values, users


def _get(client: Client, url: str, params: dict[str, str]):
    return client.get(url, params, HTTP_ACCEPT="text/html")


def failures_for(client: Client, route: Route, url: str, params: dict[str, str]) -> list[str]:
    response = _get(client, url, params)
    problems = []
    if response.status_code >= 500:
        problems.append(f"{response.status_code} GET {url} {params!r}")
    elif route.is_api and response.status_code >= 400 and not response[
            "Content-Type"].startswith("application/json"):
        problems.append(f"non-JSON {response.status_code} from GET {url} {params!r}")
    return problems


ROUTES = all_routes()


def test_the_walk_covers_pages_and_api():
    patterns = {r.pattern for r in ROUTES}
    assert {"search/", "documents/<int:pk>/download/", "api/reviews", "api/search",
            "analysis/tables/<slug:name>/"} <= patterns
    assert len(ROUTES) > 50


# The fixed pass: each kind of bad value once (the hypothesis test draws from all of NASTY).
FIXED = ["1" + "0" * 30, str(2**63), "-1", "abc", "", "\u00e9\U0001f600", "\x00", "1.5"]
ALONE = ["1" + "0" * 30, "-1"]


@pytest.mark.parametrize("role", ["public", "analyst"])
def test_every_route_with_nasty_values(world, role):
    """Each bad value in every parameter at once (with and without the filters, which are
    checked first); as the analyst (who reaches most code) also alone in each parameter the
    route reads, so that the refusal of one parameter cannot hide a crash in another, and
    in each number of the path."""
    values, users = world
    client, api_params = client_for(role, users), _api_parameters()
    filters = _filter_names()
    problems: list[str] = []
    for route in ROUTES:
        url = concrete(route, values)
        own = own_parameters(route, api_params)
        for nasty in FIXED:
            for names in (COMMON | own | filters, COMMON | own):
                problems += failures_for(client, route, url, dict.fromkeys(sorted(names), nasty))
        if role != "analyst":
            continue
        for nasty in ALONE:
            for name in sorted(own):
                problems += failures_for(client, route, url, {name: nasty})
        for huge in (str(2**63), "9" * 30):  # numbers in the path: beyond any id
            for name in CONVERTER.findall(route.pattern):
                if name[0] == "int" or (route.is_api and name[1] in ("pk", "study_id")):
                    problems += failures_for(client, route,
                                             concrete(route, {**values, name[1]: huge,
                                                              "passage": huge}), {})
    assert not problems, "\n".join(p[:300] for p in problems[:40])


VALUE = st.one_of(st.sampled_from(NASTY), st.integers(-(2**70), 2**70).map(str),
                  st.text(max_size=20))


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_route_fuzzed(world, data):
    """Hypothesis draws a role and, for every route, a few parameters and their values."""
    values, users = world
    api_params = _api_parameters()
    names = sorted(COMMON | _filter_names())
    role = data.draw(st.sampled_from(ROLES), label="role")
    client = client_for(role, users)
    problems: list[str] = []
    for route in ROUTES:
        choices = sorted(own_parameters(route, api_params)) + names
        params = data.draw(st.dictionaries(st.sampled_from(choices), VALUE, max_size=4),
                           label=route.pattern)
        problems += failures_for(client, route, concrete(route, values), params)
    assert not problems, f"as {role}:\n" + "\n".join(p[:300] for p in problems[:40])
