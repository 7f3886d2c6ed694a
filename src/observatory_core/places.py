"""English local authorities with children's services responsibility, and name resolution.

The table (``data/local_authorities.csv``, see its ``.SOURCE.md``) lists current and former
councils with ONS (GSS) code, DfE three-digit code, region, dates and alternative names.
``Places.resolve`` turns whatever a report or spreadsheet calls an area into one of them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from .vocab import DATA_DIR

LOCAL_AUTHORITIES_CSV = DATA_DIR / "local_authorities.csv"

# Words that add nothing to a council's identity; dropped for the looser second pass.
_GENERIC = frozenset({
    "the", "council", "city", "of", "county", "borough", "metropolitan", "district", "royal",
    "london", "corporation", "ua", "unitary", "authority", "mbc", "mdc",
})


@dataclass(frozen=True)
class LocalAuthority:
    gss_code: str
    dfe_code: str
    name: str
    region_code: str
    region_name: str
    start_date: date | None
    end_date: date | None
    alt_names: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        return self.end_date is None or self.end_date >= date.today()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.alt_names)


def _date(value: str) -> date | None:
    value = (value or "").strip()
    return date.fromisoformat(value) if value else None


def _load(path: Path) -> tuple[LocalAuthority, ...]:
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(
            LocalAuthority(
                gss_code=row["gss_code"].strip(),
                dfe_code=row["dfe_code"].strip(),
                name=row["name"].strip(),
                region_code=row["region_code"].strip(),
                region_name=row["region_name"].strip(),
                start_date=_date(row["start_date"]),
                end_date=_date(row["end_date"]),
                alt_names=tuple(n.strip() for n in row["alt_names"].split("|") if n.strip()),
            )
            for row in csv.DictReader(fh)
        )


@lru_cache(maxsize=8)
def _cached(path: Path) -> tuple[LocalAuthority, ...]:
    return _load(path)


def load_local_authorities(path: Path | str | None = None) -> list[LocalAuthority]:
    """Every authority in the table (the shipped one by default); read once per path."""
    return list(_cached(Path(path or LOCAL_AUTHORITIES_CSV).resolve()))


def normalise_name(value: str) -> str:
    """Case-folded name with '&' as 'and', punctuation and the word 'council' removed."""
    text = value.casefold().replace("&", " and ")
    words = re.sub(r"[^\w\s]", " ", text).split()
    return " ".join(w for w in words if w != "council")


def _loose(value: str) -> str:
    return " ".join(w for w in normalise_name(value).split() if w not in _GENERIC)


def _preference(la: LocalAuthority) -> tuple[bool, date, date]:
    # Current councils first, then the most recently created / most recently ended.
    return (la.is_current, la.start_date or date.min, la.end_date or date.max)


class Places:
    """Look-ups over a list of local authorities."""

    def __init__(self, authorities: list[LocalAuthority] | None = None) -> None:
        self.authorities = list(authorities if authorities is not None
                                else load_local_authorities())
        self._gss = {la.gss_code.upper(): la for la in self.authorities}
        self._dfe: dict[str, list[LocalAuthority]] = {}
        self._names: dict[str, list[LocalAuthority]] = {}
        self._loose: dict[str, list[LocalAuthority]] = {}
        for la in self.authorities:
            if la.dfe_code:
                self._dfe.setdefault(la.dfe_code, []).append(la)
            for name in la.names:
                for index, key in ((self._names, normalise_name(name)),
                                   (self._loose, _loose(name))):
                    if key and la not in index.setdefault(key, []):
                        index[key].append(la)

    @staticmethod
    def _best(candidates: list[LocalAuthority] | None) -> LocalAuthority | None:
        return max(candidates, key=_preference) if candidates else None

    def by_gss(self, code: str) -> LocalAuthority | None:
        return self._gss.get(code.strip().upper())

    def by_dfe(self, code: str) -> LocalAuthority | None:
        return self._best(self._dfe.get(code.strip()))

    def resolve(self, value: str) -> LocalAuthority | None:
        """The authority a GSS code, DfE code or name (or name variant) refers to.

        Where several share a code or name (a council re-coded or replaced), the current one
        is preferred.
        """
        text = (value or "").strip()
        if not text:
            return None
        if found := self.by_gss(text):
            return found
        if re.fullmatch(r"\d{3}", text):
            return self.by_dfe(text)
        return self._best(self._names.get(normalise_name(text))) or self._best(
            self._loose.get(_loose(text))
        )

    def regions(self) -> list[tuple[str, str]]:
        """(code, name) of every region, in code order."""
        return sorted({(la.region_code, la.region_name) for la in self.authorities})


# -- areas over time ----------------------------------------------------------------------
AREA_HISTORY_TOML = DATA_DIR / "area_history.toml"
PARTNERSHIPS_TOML = DATA_DIR / "partnerships.toml"
# Changes after which the new area is the same ground as the old (one place under a new
# code or a new council); "split" and "merged" are not.
SAME_GROUND = ("recoded", "unitary")


@dataclass(frozen=True)
class AreaChange:
    """An area that began on ``began`` and took over the area(s) in ``before``."""

    code: str
    began: date
    kind: str  # recoded | unitary | split | merged
    before: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Partnership:
    name: str
    areas: tuple[str, ...]
    took_over: tuple[str, ...] = ()
    source: str = ""


def parse_history(data: dict, origin: str = "area history") -> tuple[AreaChange, ...]:
    changes = []
    for i, raw in enumerate(data.get("area", []), start=1):
        try:
            change = AreaChange(str(raw["code"]), raw["began"], str(raw["kind"]),
                                tuple(str(c) for c in raw["from"]), str(raw.get("note", "")))
        except KeyError as exc:
            raise ValueError(f"{origin}: area {i}: missing {exc}") from exc
        if not isinstance(change.began, date) or change.kind not in (*SAME_GROUND, "split",
                                                                     "merged"):
            raise ValueError(f"{origin}: area {i}: needs a date and a known kind")
        changes.append(change)
    return tuple(changes)


def parse_partnerships(data: dict) -> tuple[Partnership, ...]:
    return tuple(Partnership(str(p["name"]), tuple(p["areas"]), tuple(p.get("took_over", ())),
                             str(p.get("source", ""))) for p in data.get("partnership", []))


class AreaHistory:
    """Which areas are one place over time.

    - ``same_place(code)``: the codes that are the same ground as ``code`` (re-codings and a
      county replaced by one unitary council): one entry in a list of places.
    - ``lineage(code)``: the area, every area it came from and every area it became (not
      its siblings): what a filter on a place selects, so 'Sheffield' finds the reviews
      filed under Sheffield's old code and 'Northamptonshire' those of North and West
      Northamptonshire.
    - ``partnership_scope(code)``: the areas a partnership account of that area works on.
    """

    def __init__(self, changes: tuple[AreaChange, ...],
                 partnerships: tuple[Partnership, ...] = ()) -> None:
        self.changes = changes
        self.partnerships = partnerships
        self._before: dict[str, set[str]] = {}
        self._after: dict[str, set[str]] = {}
        self._same: dict[str, set[str]] = {}
        for c in changes:
            for old in c.before:
                self._before.setdefault(c.code, set()).add(old)
                self._after.setdefault(old, set()).add(c.code)
                if c.kind in SAME_GROUND and len(c.before) == 1:
                    self._same.setdefault(c.code, set()).add(old)
                    self._same.setdefault(old, set()).add(c.code)

    @staticmethod
    def _walk(start: str, edges: dict[str, set[str]]) -> set[str]:
        seen, stack = {start}, [start]
        while stack:
            for other in edges.get(stack.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        return seen

    def same_place(self, code: str) -> frozenset[str]:
        return frozenset(self._walk(code, self._same))

    def lineage(self, code: str) -> frozenset[str]:
        return frozenset(self._walk(code, self._before) | self._walk(code, self._after))

    def successors(self, code: str) -> set[str]:
        return set(self._after.get(code, ()))

    def predecessors(self, code: str) -> set[str]:
        return set(self._before.get(code, ()))

    def partnership_scope(self, code: str) -> frozenset[str]:
        scope = set(self.same_place(code))
        for p in self.partnerships:
            if scope & (set(p.areas) | set(p.took_over)):
                scope |= set(p.areas) | set(p.took_over)
        out: set[str] = set()
        for c in scope:
            out |= self.same_place(c)
        return frozenset(out)

    def changes_of(self, code: str) -> list[AreaChange]:
        """The changes that made or ended ``code``, oldest first."""
        return sorted((c for c in self.changes if c.code == code or code in c.before),
                      key=lambda c: c.began)


@lru_cache(maxsize=4)
def load_history(history: Path = AREA_HISTORY_TOML,
                 partnerships: Path = PARTNERSHIPS_TOML) -> AreaHistory:
    import tomllib

    from .datafiles import AreaHistoryFile, PartnershipsFile, shape_problems

    data = {}
    for path, model in ((history, AreaHistoryFile), (partnerships, PartnershipsFile)):
        data[path] = tomllib.loads(path.read_text(encoding="utf-8"))
        # Shape first (datafiles.py): a misspelt 'took_over' would quietly narrow a scope.
        problems = shape_problems(model, data[path])
        if problems:
            raise ValueError(f"{path.name}: " + "; ".join(problems))
    return AreaHistory(parse_history(data[history], history.name),
                       parse_partnerships(data[partnerships]))


def lineage(code: str) -> frozenset[str]:
    """The codes a filter on the place ``code`` selects (see ``AreaHistory``)."""
    return load_history().lineage(code)


def same_place(code: str) -> frozenset[str]:
    """The codes that are the same ground as ``code`` (one place, without the areas it came
    from or became)."""
    return load_history().same_place(code)


def partnership_scope(code: str) -> frozenset[str]:
    """The area codes a partnership account of area ``code`` works on."""
    return load_history().partnership_scope(code)


@dataclass(frozen=True)
class Place:
    """One entry of a list of places: the codes that are the same ground, named by the
    newest, with its history in words."""

    code: str  # the newest code of the place
    name: str
    codes: frozenset[str]
    label: str  # e.g. "Northamptonshire (until March 2021)"
    history: tuple[str, ...]


def _month(d: date) -> str:
    return f"{d:%B %Y}"


def _names(areas) -> str:
    names = [f"{a.name} (until {a.end_date:%Y})" if a.end_date else a.name for a in areas]
    names = sorted(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def place_list(authorities: list[LocalAuthority] | None = None,
               history: AreaHistory | None = None) -> list[Place]:
    """Every place once, in name order, with what became of it."""
    if authorities is None and history is None:
        return list(_shipped_places())
    return _place_list(authorities, history)


@lru_cache(maxsize=1)
def _shipped_places() -> tuple[Place, ...]:
    return tuple(_place_list(None, None))


def _place_list(authorities: list[LocalAuthority] | None,
                history: AreaHistory | None) -> list[Place]:
    history = history or load_history()
    by_code = {la.gss_code: la for la in (authorities or load_local_authorities())}
    done: set[str] = set()
    places = []
    for code in sorted(by_code):
        if code in done:
            continue
        codes = {c for c in history.same_place(code) if c in by_code}
        done |= codes
        members = sorted((by_code[c] for c in codes), key=_preference)
        newest = members[-1]
        ended = newest.end_date if newest.end_date and not newest.is_current else None
        started = min((m.start_date for m in members if m.start_date), default=None)
        successors = sorted({s for c in codes for s in history.successors(c)
                             if s in by_code and s not in codes})
        predecessors = sorted({p for c in codes for p in history.predecessors(c)
                               if p in by_code and p not in codes})
        notes = []
        if predecessors and started:
            notes.append(f"Formed in {_month(started)} from "
                         f"{_names(by_code[p] for p in predecessors)}; their reviews are "
                         "included.")
        if successors and ended:
            notes.append(f"Replaced after {_month(ended)} by "
                         f"{_names(by_code[s] for s in successors)}; their reviews are "
                         "included.")
        if len(codes) > 1:
            notes.append("ONS codes " + ", ".join(
                f"{m.gss_code}" + (f" until {_month(m.end_date)}" if m.end_date else "")
                for m in members) + ".")
        label = newest.name
        if ended:
            label += f" (until {ended:%Y})"
        elif predecessors and started:
            label += f" (from {started:%Y})"
        places.append(Place(newest.gss_code, newest.name, frozenset(codes), label,
                            tuple(notes)))
    return sorted(places, key=lambda p: (normalise_name(p.name), p.label))


def place_codes(code: str) -> frozenset[str]:
    """Every code a filter on the place of ``code`` selects: the lineage of each code that
    is the same ground as it."""
    history = load_history()
    out: set[str] = set()
    for same in history.same_place(code):
        out |= history.lineage(same)
    return frozenset(out)


def resolve_place(value: str, places: Places | None = None) -> str | None:
    """The newest code of the place a GSS code, DfE code or name refers to, or None."""
    found = (places or _default_places()).resolve(value)
    if found is None:
        return None
    same = load_history().same_place(found.gss_code)
    known = [la for la in (places or _default_places()).authorities if la.gss_code in same]
    return max(known, key=_preference).gss_code if known else found.gss_code


@lru_cache(maxsize=1)
def _default_places() -> Places:
    return Places()
