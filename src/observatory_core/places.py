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
