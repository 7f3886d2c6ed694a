"""The audit log as a hash chain: each event's digest covers its own fields and the digest of
the event before it, so changing, inserting or removing an event breaks every link after it.

Framework-free: the Django app (``observatory.audit``) hands events over as plain mappings.
The digest is SHA-256 of a canonical JSON rendering (sorted keys, UTF-8, no spaces) of the
event's fields and the previous digest; the first event follows ``GENESIS``. Events removed by
the retention rules leave their link behind (sequence number, previous digest, digest) but
none of their content, so a pruned log still verifies while a row deleted by hand does not.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
# The fields a digest covers: everything an event says (who, what, when, where, outcome).
# Not the user's id: deleting an account sets it to null, and the name is kept as text.
FIELDS = ("seq", "at", "username", "role", "action", "allowed", "object_kind",
          "object_id", "object_repr", "confidential", "channel", "path", "ip_address", "detail")


def _canonical(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "at":
        if isinstance(value, datetime):
            # One rendering whatever the database returns: UTC, microseconds.
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return str(value)
    if name == "ip_address":
        return str(ipaddress.ip_address(str(value)))  # PostgreSQL's inet normalises too
    if name in ("allowed", "confidential"):
        return bool(value)
    if name == "seq":
        return int(value)
    return str(value)


def digest(event: Mapping[str, Any], previous: str) -> str:
    """The digest of ``event`` (a mapping with ``FIELDS``) following ``previous``."""
    body = {name: _canonical(name, event.get(name)) for name in FIELDS}
    body["previous"] = previous
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    """One position in the chain: an event still present (``event`` set) or one removed by a
    retention rule (only its digests kept)."""

    seq: int
    previous: str
    digest: str
    event: Mapping[str, Any] | None = None
    event_id: Any = None


@dataclass(frozen=True)
class Broken:
    seq: int
    event_id: Any
    reason: str

    def __str__(self) -> str:
        where = f"event {self.event_id}" if self.event_id is not None else "a removed event"
        return f"chain broken at position {self.seq} ({where}): {self.reason}"


def verify(links: Iterable[Link], head: tuple[int, str] | None = None
           ) -> tuple[int, Broken | None]:
    """Walk the chain in sequence order; (links checked, the first broken link or None).
    ``head`` (last position, its digest), kept apart from the events, catches events removed
    from the end, which no later link could show."""
    expected_seq, previous, count = 1, GENESIS, 0
    for link in links:
        if link.seq != expected_seq:
            return count, Broken(expected_seq, link.event_id,
                                 f"position {expected_seq} is missing (next found is {link.seq})")
        if link.previous != previous:
            return count, Broken(link.seq, link.event_id,
                                 "does not follow the event before it")
        if link.event is not None and digest(link.event, link.previous) != link.digest:
            return count, Broken(link.seq, link.event_id,
                                 "its contents were changed after it was written")
        previous, expected_seq, count = link.digest, expected_seq + 1, count + 1
    if head is not None and head != (expected_seq - 1, previous):
        return count, Broken(expected_seq, None,
                             f"the log should end at position {head[0]}, it ends at "
                             f"{expected_seq - 1}: events were removed from its end")
    return count, None
