"""Load the rule files under ``data/ingest/`` (TOML), once per process."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Any

RULES_DIR = Path(__file__).resolve().parent.parent / "data" / "ingest"


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and the problem."""


@functools.cache
def load_rules(name: str) -> dict[str, Any]:
    path = RULES_DIR / f"{name}.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path.name}: {exc}") from exc


@functools.cache
def compile_pattern(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise RuleError(f"bad pattern {pattern!r}: {exc}") from exc
