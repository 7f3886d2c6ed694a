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
    """A rule file as a dictionary, checked against its pydantic model (rule_schemas.py)."""
    path = RULES_DIR / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path.name}: {exc}") from exc
    validate_rules(path.name, name, data)
    return data


def validate_rules(filename: str, name: str, data: dict[str, Any]) -> None:
    """Raise RuleError naming the file, the place in it and the problem."""
    from pydantic import ValidationError

    from .rule_schemas import SCHEMAS

    schema = SCHEMAS.get(name)
    if schema is None:
        raise RuleError(f"{filename}: no schema for this rule file (ingest/rule_schemas.py)")
    try:
        schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}"
            for err in exc.errors())
        raise RuleError(f"{filename}: {problems}") from None


@functools.cache
def compile_pattern(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise RuleError(f"bad pattern {pattern!r}: {exc}") from exc
