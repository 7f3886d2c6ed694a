"""A summary row given by its aggregates (as the database returns them) is the same row as
one given by every value."""

from __future__ import annotations

import random

from observatory_core.stats import Group, Spread, summary
from observatory_core.stats.build import spread


def test_spread_and_values_give_identical_tables():
    rng = random.Random(3)
    for public in (True, False):
        for _ in range(30):
            n = rng.randint(0, 12)
            groups = [Group(f"g{k}", f"Group {k}", [rng.choice([0, 0, 1, 2, 5]) for _ in range(n)],
                            {"k": str(k)}) for k in range(rng.randint(1, 5))]
            total = Group("total", "All", [sum(v) for v in zip(*(g.values for g in groups),
                                                                 strict=True)])
            by_values = summary("t", "T", groups, public=public, total=total)
            by_spread = summary("t", "T", [spread(g) for g in groups], public=public,
                                total=spread(total))
            assert by_values.as_dict() == by_spread.as_dict()


def test_spread_of_no_values_has_no_mean_or_range():
    s = spread(Group("a", "A", []))
    assert s == Spread("a", "A", 0, 0, 0, None, None, {})
