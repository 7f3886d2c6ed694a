"""Run the ingest steps listed in ``data/ingest/pipeline.toml`` over one file.

A step is a named, versioned function of a context that ``requires`` some keys and
``assigns`` others (as spaCy's components do). Before anything runs, the configuration is
checked: every step is registered and every requirement is assigned by an earlier step (or
is an input). ``run_pipeline`` reports progress through ``progress(step, done, total)`` and
times each step; the Django ingestion task (a later session) calls it with a callback that
writes its step log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import IngestError
from .limits import Limits
from .rules import RuleError, load_rules
from .types import ExtractionResult, StepTiming

Context = dict[str, Any]
Progress = Callable[[str, int, int], None]
NER_STEP = "flag_personal_data_model"  # the step that can start early on OCR pages
INPUTS = frozenset({"source", "filename", "limits", "settings", "on_ocr_page", "report",
                    "ner_prefetch"})


class PipelineConfigError(ValueError):
    """The pipeline configuration names an unknown step or an unmet requirement."""


class StopPipeline(Exception):  # noqa: N818 - a control signal, as in paperless-ngx
    """Raised by a step to end a run early and cleanly (for example a duplicate file)."""


@dataclass(frozen=True)
class Step:
    name: str
    version: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    run: Callable[[Context], Mapping[str, Any]]
    applies: Callable[[Context], bool] = field(default=lambda ctx: True)

    @property
    def producer(self) -> str:
        return f"{self.name}@{self.version}"


_STEPS: dict[str, Step] = {}


def step(name: str, version: str, *, requires: Sequence[str] = (),
         assigns: Sequence[str] = ()) -> Callable[[Callable[[Context], Mapping[str, Any]]],
                                                  Step]:
    """Register a step function under ``name``."""

    def wrap(func: Callable[[Context], Mapping[str, Any]]) -> Step:
        registered = Step(name, version, tuple(requires), tuple(assigns), func)
        _STEPS[name] = registered
        return registered

    return wrap


def registered_steps() -> dict[str, Step]:
    from . import steps as _  # noqa: F401 - registers the built-in steps

    return dict(_STEPS)


@dataclass(frozen=True)
class PipelineConfig:
    steps: tuple[Step, ...]
    settings: Mapping[str, Mapping[str, Any]]


def load_config(data: Mapping[str, Any] | None = None) -> PipelineConfig:
    """Read and check the pipeline configuration (the shipped ``pipeline.toml`` by default)."""
    try:
        data = data if data is not None else load_rules("pipeline")
    except RuleError as exc:
        raise PipelineConfigError(str(exc)) from exc
    available = registered_steps()
    names = list(data.get("steps", []))
    problems = [f"unknown step '{n}'" for n in names if n not in available]
    if len(set(names)) != len(names):
        problems.append("a step is listed twice")
    assigned = set(INPUTS)
    for name in names:
        if name not in available:
            continue
        missing = [r for r in available[name].requires if r not in assigned]
        if missing:
            problems.append(f"step '{name}' requires {missing}, which no earlier step assigns")
        assigned.update(available[name].assigns)
    if problems:
        raise PipelineConfigError("pipeline.toml: " + "; ".join(problems))
    settings = {n: dict(data.get(n, {})) for n in names}
    return PipelineConfig(steps=tuple(available[n] for n in names), settings=settings)


def run_pipeline(source: Path | bytes, filename: str | None = None, *,
                 config: PipelineConfig | None = None, limits: Limits | None = None,
                 progress: Progress | None = None,
                 on_ocr_page: Callable[..., None] | None = None,
                 skip: Collection[str] = (),
                 ner_prefetch: Any = None) -> ExtractionResult:
    """Run every configured step over one file; raise IngestError for bad input.

    ``skip`` names steps the caller runs later itself (the Django task runs the
    named-entity model after the text is searchable).

    ``on_ocr_page(page, done, total)`` is called as each scanned page is recognised (an
    ``ocr.OcrPage``), so a caller can make it searchable before the run ends.

    ``ner_prefetch`` (an ``ner.EntityPrefetch``) lets the named-entity model start on the
    pages OCR has read while the rest are read; a caller that runs the model itself later
    passes one and hands it to ``ner.model_flags``. Without one, a run that includes the
    model step makes its own when pipeline.toml turns prefetching on."""
    config = config or load_config()
    if ner_prefetch is None and any(s.name == NER_STEP for s in config.steps) \
            and NER_STEP not in skip:
        from .ner import EntityPrefetch, prefetch_enabled

        if prefetch_enabled(config.settings.get(NER_STEP, {})):
            ner_prefetch = EntityPrefetch()
    name = filename or (source.name if isinstance(source, Path) else "upload")
    ctx: Context = {"source": source, "filename": name, "limits": limits or Limits(),
                    "settings": config.settings, "on_ocr_page": on_ocr_page,
                    "ner_prefetch": ner_prefetch}
    timings: list[StepTiming] = []
    producers: dict[str, str] = {}
    total = len(config.steps)
    for done, current in enumerate(config.steps):
        if progress:
            progress(current.name, done, total)
            ctx["report"] = (lambda label, _done=done: progress(label, _done, total))
        else:
            ctx["report"] = None
        if current.name in skip or not current.applies(ctx):
            continue
        started = time.perf_counter()
        try:
            produced = current.run(ctx)
        except StopPipeline:
            break
        except IngestError:
            raise
        except (MemoryError, RecursionError) as exc:
            raise IngestError(name, f"is too large or complex to process ({current.name})"
                              ) from exc
        missing = [k for k in current.assigns if k not in produced]
        if missing:
            raise PipelineConfigError(f"step '{current.name}' did not assign {missing}")
        ctx.update(produced)
        for key in current.assigns:
            producers[key] = current.producer
        timings.append(StepTiming(current.producer, time.perf_counter() - started))
    if progress:
        progress("done", total, total)
    return _result(ctx, producers, timings)


def _result(ctx: Context, producers: dict[str, str],
            timings: list[StepTiming]) -> ExtractionResult:
    parsed = ctx.get("parsed")
    return ExtractionResult(
        filename=ctx["filename"], media_type=ctx.get("media_type", ""),
        sha256=ctx.get("sha256", ""), text=ctx.get("text", ""), pages=ctx.get("pages", ()),
        passages=ctx.get("passages", ()), furniture=ctx.get("furniture", ()),
        sections=ctx.get("sections", ()), recommendations=ctx.get("recommendations", ()),
        findings=ctx.get("findings", ()), dataset=ctx.get("dataset", ()),
        personal_data=ctx.get("personal_data", ()),
        parser=parsed.parser if parsed is not None else "", producers=producers,
        timings=tuple(timings),
        empty_pages=parsed.empty_pages if parsed is not None else (),
        ocr_pages=tuple(ctx.get("ocr_pages", ())))
