"""The machine as a coder: its kappa beside the people's, and when it is as good as them."""

from __future__ import annotations

from observatory_core.coding.agreement import machine_agreement

UNITS = list(range(8))


def test_machine_agreement_beside_people():
    ann = {(u, "a") for u in (0, 1, 2, 3)} | {(u, "b") for u in (0, 1)}
    bob = {(u, "a") for u in (0, 1, 2, 4)} | {(u, "b") for u in (0, 1, 2)}
    consensus = {(u, "a") for u in (0, 1, 2, 3)} | {(u, "b") for u in (0, 1)}
    machine = {(u, "a") for u in (0, 1, 2, 3)} | {(u, "b") for u in (5, 6)}
    a, b = machine_agreement({"ann": ann, "bob": bob}, machine, consensus, UNITS, ["a", "b"])
    assert a.with_consensus == 1.0 and a.people is not None and a.people < 1.0
    assert a.as_good_as_people and a.with_person["ann"] == 1.0 and a.with_person["bob"] < 1
    assert not b.as_good_as_people and b.with_consensus < b.people
    assert a.alpha is not None and a.alpha > b.alpha
    # without a consensus there is nothing to judge it against
    [c] = machine_agreement({"ann": ann, "bob": bob}, machine, None, UNITS, ["a"])
    assert c.with_consensus is None and not c.as_good_as_people


def test_people_are_compared_only_on_what_they_coded():
    """A person who coded half the documents is not counted as saying 'no' to the rest."""
    ann = {(u, "a") for u in (0, 1, 4, 5)}
    carl = {(u, "a") for u in (0, 1)}  # coded units 0-3 only
    machine = {(u, "a") for u in (0, 1, 4, 5)}
    judged = {"ann": set(UNITS), "carl": {0, 1, 2, 3}}
    [a] = machine_agreement({"ann": ann, "carl": carl}, machine, None, UNITS, ["a"], judged)
    assert a.people == 1.0 and a.with_person == {"ann": 1.0, "carl": 1.0}
    [b] = machine_agreement({"ann": ann, "carl": carl}, machine, None, UNITS, ["a"])
    assert b.people < 1.0
