"""Byte-level mutation shared by the fuzz tests: hypothesis draws a few byte edits and a
truncation, applied to a valid seed file, so parsers see files that are almost right."""

from __future__ import annotations

from hypothesis import strategies as st

MUTATIONS = dict(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                max_size=20), cut=st.integers(0, 400))


def mutate(data: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    out = bytearray(data)
    for position, value in edits:
        if out:
            out[position % len(out)] = value
    return bytes(out[:max(1, len(out) - cut)]) if cut else bytes(out)
