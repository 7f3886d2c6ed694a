"""Agreement between coders: Cohen's kappa (two coders) and Krippendorff's alpha (any number,
nominal, missing values allowed), per code and overall.

A code applied to a unit (a recommendation, finding or passage) is a yes/no judgement per
(unit, code); a coder who did not apply a code to a unit they coded said 'no'.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa for two coders' labels of the same items (scikit-learn's
    ``cohen_kappa_score``); None when undefined (no items, or both coders used one and the
    same label throughout, where chance agreement is 1)."""
    if len(a) != len(b):
        raise ValueError("both coders must label the same items")
    if not a:
        return None
    from sklearn.metrics import cohen_kappa_score  # imported when used: slow to load

    codes = _codes(list(a) + list(b))
    left, right = [codes[x] for x in a], [codes[y] for y in b]
    if len(set(left) | set(right)) == 1:  # chance agreement 1: kappa is 0/0
        return None
    return float(cohen_kappa_score(left, right))


def krippendorff_alpha(units: Iterable[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha for nominal data (the ``krippendorff`` package). ``units`` holds,
    per unit, each coder's value (None = that coder did not code the unit). Units with fewer
    than two values are ignored; None when undefined (fewer than two pairable values, or
    every value the same)."""
    rows = [list(unit) for unit in units]
    pairable = [unit for unit in rows if sum(v is not None for v in unit) >= 2]
    values = [v for unit in pairable for v in unit if v is not None]
    if len(values) <= 1 or len(set(values)) < 2:
        return None
    import krippendorff
    import numpy as np

    codes = _codes(values)
    data = np.array([[np.nan if v is None else codes[v] for v in unit] for unit in pairable],
                    dtype=float).T  # the package wants coders x units
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal",
                                    value_domain=sorted(codes.values())))


def _codes(labels: Iterable[Hashable]) -> dict[Hashable, int]:
    """Number the labels (any hashables) in order of first appearance: both libraries need
    numbers, and nominal statistics do not depend on which number a label gets."""
    codes: dict[Hashable, int] = {}
    for label in labels:
        codes.setdefault(label, len(codes))
    return codes


@dataclass(frozen=True)
class CodeAgreement:
    code: str
    kappa: float | None  # mean pairwise Cohen's kappa (exact kappa for two coders)
    alpha: float | None
    agreed: int  # units where all coders agree
    disagreed: int
    positives: dict[str, int]  # coder -> units they gave the code


@dataclass(frozen=True)
class Agreement:
    coders: tuple[str, ...]
    units: int
    per_code: tuple[CodeAgreement, ...]
    kappa: float | None
    alpha: float | None
    disagreements: tuple[tuple[Hashable, str, tuple[str, ...], tuple[str, ...]], ...]
    # (unit, code, coders who applied it, coders who did not)


def _mean(values: list[float | None]) -> float | None:
    real = [v for v in values if v is not None]
    return sum(real) / len(real) if real else None


def compare(codings: Mapping[str, set[tuple[Hashable, str]]], units: Sequence[Hashable],
            codes: Sequence[str]) -> Agreement:
    """``codings``: coder -> {(unit, code)} they applied. Every coder is taken to have judged
    every unit in ``units`` (blind, independent coding of the same material)."""
    coders = tuple(sorted(codings))
    per_code: list[CodeAgreement] = []
    disagreements: list[tuple[Hashable, str, tuple[str, ...], tuple[str, ...]]] = []
    pooled: dict[str, list[bool]] = {c: [] for c in coders}
    for code in codes:
        labels = {c: [(u, code) in codings[c] for u in units] for c in coders}
        for c in coders:
            pooled[c].extend(labels[c])
        kappas = [cohen_kappa(labels[x], labels[y]) for x, y in combinations(coders, 2)]
        alpha = krippendorff_alpha(zip(*(labels[c] for c in coders), strict=True)) \
            if coders else None
        agreed = 0
        for i, unit in enumerate(units):
            yes = tuple(c for c in coders if labels[c][i])
            if len(yes) in (0, len(coders)):
                agreed += 1
            else:
                disagreements.append((unit, code, yes,
                                      tuple(c for c in coders if c not in yes)))
        per_code.append(CodeAgreement(code, _mean(kappas), alpha, agreed,
                                      len(units) - agreed,
                                      {c: sum(labels[c]) for c in coders}))
    overall_kappa = _mean([cohen_kappa(pooled[x], pooled[y])
                           for x, y in combinations(coders, 2)])
    overall_alpha = krippendorff_alpha(zip(*(pooled[c] for c in coders), strict=True)) \
        if coders else None
    return Agreement(coders, len(units), tuple(per_code), overall_kappa, overall_alpha,
                     tuple(disagreements))


@dataclass(frozen=True)
class MachineAgreement:
    """The machine as one more coder of a code: its kappa with each person and with the
    consensus, beside the people's kappa with each other."""

    code: str
    people: float | None  # mean pairwise kappa between people
    with_consensus: float | None
    with_person: dict[str, float | None]
    alpha: float | None  # Krippendorff's alpha over the people and the machine

    @property
    def as_good_as_people(self) -> bool:
        """The machine agrees with the consensus at least as well as people agree with each
        other (the condition for letting it code first, a person checking a sample)."""
        return (self.people is not None and self.with_consensus is not None
                and self.with_consensus >= self.people)


def machine_agreement(people: Mapping[str, set[tuple[Hashable, str]]],
                      machine: set[tuple[Hashable, str]],
                      consensus: set[tuple[Hashable, str]] | None,
                      units: Sequence[Hashable], codes: Sequence[str],
                      judged: Mapping[str, set[Hashable]] | None = None,
                      ) -> list[MachineAgreement]:
    """``people``: person -> {(unit, code)} they applied; ``machine``: what the machine
    applied; ``consensus``: the adjudicated coding of every unit (None: there is none).
    ``judged``: the units each person coded (default: every one of ``units``); two people
    are compared on the units both judged, the machine and a person on the person's."""
    names = sorted(people)
    seen = {p: [u for u in units if judged is None or u in judged.get(p, ())] for p in names}
    out = []
    for code in codes:
        def said(who: set[tuple[Hashable, str]], on: Sequence[Hashable],
                 code: str = code) -> list[bool]:
            return [(u, code) in who for u in on]

        pairs = []
        for x, y in combinations(names, 2):
            both = [u for u in seen[x] if u in set(seen[y])]
            pairs.append(cohen_kappa(said(people[x], both), said(people[y], both)))
        settled = cohen_kappa(said(machine, units), said(consensus, units)) \
            if consensus is not None else None
        each = {p: cohen_kappa(said(machine, seen[p]), said(people[p], seen[p]))
                for p in names}
        alpha = krippendorff_alpha(
            [*((u, code) in people[p] if u in set(seen[p]) else None for p in names),
             (u, code) in machine] for u in units) if names else None
        out.append(MachineAgreement(code, _mean(pairs), settled, each, alpha))
    return out
