"""The pipeline's seams (issue 11, item 5): steps read only what they declare in
``requires``; deferred steps are data (pipeline.toml) and run through the same runner;
versions live only in the step registry."""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import replace
from pathlib import Path

import pytest

from observatory_core.ingest import load_config, run_pipeline
from observatory_core.ingest.ocr import parse_progress, progress_label
from observatory_core.ingest.pipeline import (
    INPUTS,
    PipelineConfig,
    PipelineConfigError,
    PipelineRun,
    UndeclaredRead,
    registered_steps,
)

REPORT = (b"Overview report\n\n1. Introduction\n\n1.1 Child K lived at 12 Acacia Avenue, "
          b"postcode BS1 4DJ.\n\n2. Recommendations\n\nRecommendation 1: The partnership "
          b"should review its training on referrals.\n")
RULES_ONLY = [s.name for s in load_config().steps if s.name != "flag_personal_data_model"]


def _reads(func) -> set[str]:
    """Context keys a step function reads: ctx["key"] and ctx.get("key")."""
    tree = ast.parse(inspect.getsource(func).lstrip())
    keys: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and node.value.id == "ctx" and isinstance(node.slice, ast.Constant):
            keys.add(node.slice.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "get" and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "ctx" and isinstance(node.args[0], ast.Constant):
            keys.add(node.args[0].value)
    return keys


@pytest.mark.parametrize("name", sorted(registered_steps()))
def test_every_step_declares_what_it_reads(name):
    registered = registered_steps()[name]
    undeclared = _reads(registered.run) - set(registered.requires)
    assert not undeclared, f"{name} reads {sorted(undeclared)} without requiring them"


def test_reading_an_undeclared_key_fails_at_once():
    steps = registered_steps()
    sloppy = replace(steps["flag_personal_data"], requires=("text", "pages"))
    config = PipelineConfig(steps=tuple(steps[n] for n in RULES_ONLY[:-1]) + (sloppy,),
                            settings={})
    with pytest.raises(UndeclaredRead, match="'furniture'"):
        run_pipeline(REPORT, "r.txt", config=config)


def test_requirements_must_be_assigned_earlier_or_be_inputs():
    for configured in load_config().steps:
        assert set(configured.requires) <= INPUTS | {
            key for earlier in load_config().steps[:load_config().steps.index(configured)]
            for key in earlier.assigns}


def test_deferred_steps_are_data_and_must_come_last():
    assert load_config().deferred == ("flag_personal_data_model",)
    with pytest.raises(PipelineConfigError, match="last steps"):
        load_config({"steps": RULES_ONLY, "deferred": ["draft_dataset"]})
    with pytest.raises(PipelineConfigError, match="not in steps"):
        load_config({"steps": RULES_ONLY, "deferred": ["nope"]})


def test_two_phase_run_gives_the_same_result_as_one_run():
    config = load_config({"steps": RULES_ONLY, "deferred": ["flag_personal_data"]})
    whole = run_pipeline(REPORT, "r.txt", config=config)
    seen: list[tuple[str, int, int]] = []
    run = PipelineRun(REPORT, "r.txt", config=config,
                      progress=lambda *args: seen.append(args))
    first = run.execute(config.immediate)
    assert first.passages and not first.personal_data  # the deferred step has not run
    second = run.execute(config.deferred_steps)
    final = run.finish()
    assert second.personal_data == final.personal_data == whole.personal_data
    assert final.producers == whole.producers
    assert final.producers["personal_data"] == "flag_personal_data@1"
    assert [t.step for t in final.timings] == [t.step for t in whole.timings]
    assert seen[-2] == ("flag_personal_data", len(RULES_ONLY) - 1, len(RULES_ONLY))
    assert seen[-1] == ("done", len(RULES_ONLY), len(RULES_ONLY))


def test_producer_comes_from_the_registry():
    config = load_config()
    assert config.producer("ocr_if_needed") == registered_steps()["ocr_if_needed"].producer
    with pytest.raises(PipelineConfigError):
        config.producer("nope")


def test_ocr_progress_label_round_trips():
    assert parse_progress(progress_label(4, 12)) == (4, 12)
    assert parse_progress("normalise") is None


def test_no_step_version_is_written_outside_the_registry():
    """'step@N' literals only in the step registry (and nothing matches step names in the
    extractor's version string)."""
    names = "|".join(registered_steps())
    literal = re.compile(rf"[\"'](?:{names})@\d")
    root = Path(__file__).resolve().parents[3] / "src"
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if literal.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    services = (root / "observatory" / "ingestion" / "services.py").read_text()
    assert "in extractor_version()" not in services
