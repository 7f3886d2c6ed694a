"""Run the ingest steps listed in ``data/ingest/pipeline.toml`` over one file.

A step is a named, versioned function of a context that ``requires`` some keys and
``assigns`` others (as spaCy's components do). ``requires`` lists everything the step reads,
inputs included: the runner hands each step a view of the context holding only those keys,
so reading an undeclared one fails at once. Before anything runs, the configuration is
checked: every step is registered and every requirement is assigned by an earlier step (or
is an input). ``run_pipeline`` reports progress through ``progress(step, done, total)`` and
times each step.

Steps listed in ``deferred`` (pipeline.toml) may run later in two phases: a caller starts a
``PipelineRun``, runs ``config.immediate``, stores the result, then runs ``config.deferred``
on the same run (the Django task does this so keyword search does not wait for the model).
The version of every step lives only in its registration here (``Step.producer``).
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


class UndeclaredRead(PipelineConfigError):
    """A step read a context key it does not list in ``requires``."""


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


class _Declared(Mapping[str, Any]):
    """The context as one step may see it: only the keys it ``requires``."""

    def __init__(self, ctx: Context, current: Step) -> None:
        self._ctx, self._step = ctx, current

    def __getitem__(self, key: str) -> Any:
        if key not in self._step.requires:
            raise UndeclaredRead(f"step '{self._step.name}' reads '{key}' but does not list "
                                 "it in requires")
        return self._ctx[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._ctx or key not in self._step.requires else default

    def __contains__(self, key: object) -> bool:
        return key in self._step.requires and key in self._ctx

    def __iter__(self):
        return (k for k in self._ctx if k in self._step.requires)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class PipelineConfig:
    steps: tuple[Step, ...]
    settings: Mapping[str, Mapping[str, Any]]
    deferred: tuple[str, ...] = ()

    @property
    def immediate(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.name not in self.deferred)

    @property
    def deferred_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.name in self.deferred)

    def producer(self, name: str) -> str:
        """'name@version' of a configured step (the registry holds the version)."""
        for configured in self.steps:
            if configured.name == name:
                return configured.producer
        raise PipelineConfigError(f"step '{name}' is not in the pipeline")


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
    deferred = list(data.get("deferred", []))
    problems += [f"deferred step '{n}' is not in steps" for n in deferred if n not in names]
    if deferred and names[len(names) - len(deferred):] != [n for n in names if n in deferred]:
        problems.append("deferred steps must be the last steps, in order")
    if problems:
        raise PipelineConfigError("pipeline.toml: " + "; ".join(problems))
    settings = {n: dict(data.get(n, {})) for n in names}
    return PipelineConfig(steps=tuple(available[n] for n in names), settings=settings,
                          deferred=tuple(deferred))


def run_pipeline(source: Path | bytes, filename: str | None = None, *,
                 config: PipelineConfig | None = None, limits: Limits | None = None,
                 progress: Progress | None = None,
                 on_ocr_page: Callable[..., None] | None = None,
                 skip: Collection[str] = (),
                 ner_prefetch: Any = None) -> ExtractionResult:
    """Run every configured step over one file; raise IngestError for bad input.

    ``skip`` names steps not to run (tests leave out the named-entity model).

    ``on_ocr_page(page, done, total)`` is called as each scanned page is recognised (an
    ``ocr.OcrPage``), so a caller can make it searchable before the run ends.

    ``ner_prefetch`` (an ``ner.EntityPrefetch``) lets the named-entity model start on the
    pages OCR has read while the rest are read. Without one, a run that includes the model
    step makes its own when pipeline.toml turns prefetching on."""
    config = config or load_config()
    run = PipelineRun(source, filename, config=config, limits=limits, progress=progress,
                      on_ocr_page=on_ocr_page, ner_prefetch=ner_prefetch, skip=skip)
    run.execute(config.steps)
    return run.finish()


class PipelineRun:
    """One file going through the configured steps, possibly in several calls of
    ``execute`` (the immediate steps, then the deferred ones). Each call returns the result
    so far; producers and timings accumulate."""

    def __init__(self, source: Path | bytes, filename: str | None = None, *,
                 config: PipelineConfig | None = None, limits: Limits | None = None,
                 progress: Progress | None = None,
                 on_ocr_page: Callable[..., None] | None = None,
                 ner_prefetch: Any = None, skip: Collection[str] = ()) -> None:
        self.config = config or load_config()
        self.skip = frozenset(skip)
        self.progress = progress
        if ner_prefetch is None and any(s.name == NER_STEP for s in self.config.steps) \
                and NER_STEP not in self.skip:
            from .ner import EntityPrefetch, prefetch_enabled

            if prefetch_enabled(self.config.settings.get(NER_STEP, {})):
                ner_prefetch = EntityPrefetch()
        name = filename or (source.name if isinstance(source, Path) else "upload")
        self.ctx: Context = {"source": source, "filename": name,
                             "limits": limits or Limits(), "settings": self.config.settings,
                             "on_ocr_page": on_ocr_page, "ner_prefetch": ner_prefetch,
                             "report": None}
        self.timings: list[StepTiming] = []
        self.producers: dict[str, str] = {}
        self.stopped = False

    def execute(self, steps: Sequence[Step]) -> ExtractionResult:
        """Run ``steps`` (configured ones, in order) over the context so far."""
        order = {s.name: i for i, s in enumerate(self.config.steps)}
        total, progress = len(self.config.steps), self.progress
        for current in steps:
            if self.stopped:
                break
            done = order[current.name]
            if progress:
                progress(current.name, done, total)
                self.ctx["report"] = (lambda label, _done=done: progress(label, _done, total))
            view = _Declared(self.ctx, current)
            if current.name in self.skip or not current.applies(view):
                continue
            self._run_step(current, view)
        return self.result()

    def _run_step(self, current: Step, view: _Declared) -> None:
        name = self.ctx["filename"]
        started = time.perf_counter()
        try:
            produced = current.run(view)
        except StopPipeline:
            self.stopped = True
            return
        except IngestError:
            raise
        except (MemoryError, RecursionError) as exc:
            raise IngestError(name, f"is too large or complex to process ({current.name})"
                              ) from exc
        missing = [k for k in current.assigns if k not in produced]
        if missing:
            raise PipelineConfigError(f"step '{current.name}' did not assign {missing}")
        self.ctx.update(produced)
        for key in current.assigns:
            self.producers[key] = current.producer
        self.timings.append(StepTiming(current.producer, time.perf_counter() - started))

    def result(self) -> ExtractionResult:
        return _result(self.ctx, dict(self.producers), list(self.timings))

    def finish(self) -> ExtractionResult:
        """The result once every step has run (reports 'done' to ``progress``)."""
        if self.progress:
            total = len(self.config.steps)
            self.progress("done", total, total)
        return self.result()


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
