"""What the coding views, API, CLI and tasks do; the arithmetic and formats are in
``observatory_core.coding``."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from observatory_core.coding import codebook as core
from observatory_core.coding.agreement import compare, machine_agreement
from observatory_core.coding.suggest import (
    SHIPPED,
    CodeModel,
    Example,
    Suggester,
    cross_validate,
    expected_calibration_error,
    reliability,
    train,
)

from ..ingestion.models import DocumentText, Finding, Passage, Recommendation
from ..repository.models import DocumentVersion
from ..web.validation import field_problems
from .models import (
    Check,
    Code,
    Codebook,
    CodebookVersion,
    CodedSegment,
    CodingModel,
    CodingProgress,
    Origin,
    Status,
    Target,
)

log = logging.getLogger(__name__)
RETRAIN_EVERY = 10
MIN_TO_TRAIN = 5
SUGGEST_THRESHOLD = 0.5


class CodingError(ValueError):
    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class Conflict(CodingError):
    """Someone changed the row since it was read."""


# -- codebooks ------------------------------------------------------------------------------
def to_core(book: Codebook, *, include_retired: bool = True) -> core.Codebook:
    codes = [core.Code(id=c.key, name=c.name, parent=c.parent.key if c.parent_id else None,
                       description=c.description, source=c.source,
                       keywords=tuple(c.keywords), patterns=tuple(c.patterns),
                       examples=tuple(c.examples), retired=c.retired)
             for c in book.codes.select_related("parent").order_by("position", "pk")
             if include_retired or not c.retired]
    return core.Codebook(key=book.key, name=book.name, version=str(book.version),
                         source=book.source, description=book.description,
                         vocabulary=book.vocabulary, codes=tuple(codes))


def _snapshot(book: Codebook, user: Any = None, note: str = "") -> None:
    CodebookVersion.objects.update_or_create(
        codebook=book, number=book.version,
        defaults={"snapshot": to_core(book).as_dict(), "note": note[:300],
                  "created_by": user if getattr(user, "is_authenticated", False) else None})


@transaction.atomic
def save_codebook(data: core.Codebook, user: Any = None, note: str = "") -> Codebook:
    """Create a codebook, or make a new version of an existing one from ``data``. Codes
    missing from ``data`` are retired (kept, with their history), never deleted."""
    book, created = Codebook.objects.get_or_create(
        key=data.key, defaults={"name": data.name, "description": data.description,
                                "source": data.source, "vocabulary": data.vocabulary})
    if not created:
        Codebook.objects.filter(pk=book.pk).update(version=F("version") + 1, lock=F("lock") + 1,
                                                   name=data.name, source=data.source,
                                                   description=data.description)
        book.refresh_from_db()
    existing = {c.key: c for c in book.codes.all()}
    for position, item in enumerate(data.codes):
        code = existing.get(item.id) or Code(codebook=book, key=item.id, added_in=book.version)
        code.name, code.description, code.source = item.name, item.description, item.source
        code.keywords, code.patterns = list(item.keywords), list(item.patterns)
        code.examples, code.position = list(item.examples), position
        if item.retired and not code.retired:
            code.retired_in = book.version
        code.retired = item.retired
        code.parent = None
        code.save()
        existing[item.id] = code
    for item in data.codes:
        if item.parent:
            Code.objects.filter(pk=existing[item.id].pk).update(parent=existing[item.parent])
    wanted = {c.id for c in data.codes}
    for key, code in existing.items():
        if key not in wanted and not code.retired:
            Code.objects.filter(pk=code.pk).update(retired=True, retired_in=book.version)
    _snapshot(book, user, note or ("created" if created else "imported"))
    return book


def parse_upload(raw: bytes, filename: str, *, key: str = "", name: str = "",
                 source: str = "") -> core.Codebook:
    """A codebook file (TOML, CSV or REFI-QDA .qdc, told apart by its name) checked whole:
    raises ``core.CodebookError`` listing every problem; nothing is written here."""
    from observatory_core.coding.formats import from_csv, from_qdc, from_toml

    lowered = filename.lower()
    try:
        if lowered.endswith(".csv"):
            data = from_csv(raw.decode("utf-8-sig"), key=key, origin=filename, name=name,
                            source=source)
        elif lowered.endswith((".qdc", ".xml")):
            data = from_qdc(raw, key=key or filename.rsplit(".", 1)[0], name=name,
                            source=source, origin=filename)
        else:
            data = from_toml(raw.decode("utf-8-sig"), origin=filename)
    except UnicodeDecodeError as exc:
        raise core.CodebookError(filename, [f"not UTF-8 text ({exc.reason})"]) from exc
    # What the database would refuse (lengths), refused here with the rest, as a form would.
    problems = [f"codebook {column}: {reason}" for column, value in
                (("key", data.key), ("name", data.name), ("vocabulary", data.vocabulary))
                for reason in field_problems(Codebook, column, value) if value]
    problems += [f"code '{code.id[:40]}' {column}: {reason}" for code in data.codes
                 for column, value in (("key", code.id), ("name", code.name))
                 for reason in field_problems(Code, column, value)]
    if problems:
        raise core.CodebookError(filename, problems)
    return data


def export_codebook(book: Codebook, fmt: str) -> tuple[bytes, str]:
    """The codebook as a file: (body, content type) for 'toml', 'csv' or 'qdc'."""
    from observatory_core.coding.formats import to_csv, to_qdc, to_toml

    data = to_core(book)
    if fmt == "csv":
        return to_csv(data).encode("utf-8"), "text/csv; charset=utf-8"
    if fmt == "qdc":
        return to_qdc(data), "application/xml"
    if fmt == "toml":
        return to_toml(data).encode("utf-8"), "application/toml"
    raise CodingError(f"unknown codebook format '{fmt}' (toml, csv or qdc)")


def ensure_codebooks() -> int:
    """Load the shipped codebooks that are not in the database yet (never overwrite edits);
    ``observatory setup`` calls this, the pages too (for databases set up before). Returns
    how many were loaded."""
    have = set(Codebook.objects.values_list("key", flat=True))
    loaded = 0
    for data in core.shipped_codebooks():
        if data.key not in have:
            # another request may load it at the same time
            with contextlib.suppress(IntegrityError), transaction.atomic():
                save_codebook(data, note="shipped codebook")
                loaded += 1
    return loaded


def _check(book: Codebook, codes: list[core.Code]) -> None:
    problems = core.structure_problems(codes)
    if problems:
        raise CodingError(problems)


@transaction.atomic
def edit_code(book: Codebook, *, key: str, name: str, parent: str = "", description: str = "",
              keywords: list[str] | None = None, patterns: list[str] | None = None,
              examples: list[str] | None = None, lock: int | None = None,
              user: Any = None) -> Code:
    """Add a code, or change one (with the ``lock`` read, so edits never cross)."""
    current = to_core(book).codes
    item = core.Code(id=key.strip(), name=name.strip(), parent=parent.strip() or None,
                     description=description.strip(), keywords=tuple(keywords or ()),
                     patterns=tuple(patterns or ()), examples=tuple(examples or ()))
    try:
        core.parse_codebook({"key": book.key, "name": book.name, "source": book.source,
                             "codes": [c.as_dict() for c in current if c.id != item.id]
                             + [item.as_dict()]})
    except core.CodebookError as exc:
        raise CodingError(exc.problems) from exc
    code = book.codes.filter(key=item.id).first()
    if code is not None and lock is not None and code.lock != lock:
        raise Conflict("someone else changed this code since you opened it; reload and retry")
    Codebook.objects.filter(pk=book.pk).update(version=F("version") + 1, lock=F("lock") + 1)
    book.refresh_from_db()
    if code is None:
        code = Code(codebook=book, key=item.id, added_in=book.version,
                    position=book.codes.count())
    code.name, code.description = item.name, item.description
    code.keywords, code.patterns, code.examples = list(item.keywords), list(item.patterns), \
        list(item.examples)
    code.parent = book.codes.get(key=item.parent) if item.parent else None
    code.lock += 1
    code.save()
    _snapshot(book, user, f"code {item.id} saved")
    return code


@transaction.atomic
def remove_code(code: Code, user: Any = None) -> str:
    """Delete a code nobody used; retire one in use (its segments and history are kept)."""
    book = code.codebook
    if code.children.filter(retired=False).exists():
        raise CodingError(f"'{code.name}' has codes under it; move or retire them first")
    Codebook.objects.filter(pk=book.pk).update(version=F("version") + 1, lock=F("lock") + 1)
    book.refresh_from_db()
    if CodedSegment.objects.filter(code=code).exists() or code.children.exists():
        Code.objects.filter(pk=code.pk).update(retired=True, retired_in=book.version,
                                               lock=F("lock") + 1)
        outcome = "retired"
    else:
        code.delete()
        outcome = "deleted"
    _snapshot(book, user, f"code {code.key} {outcome}")
    return outcome


# -- units ----------------------------------------------------------------------------------
@dataclass
class Unit:
    target: str
    obj: Any
    start: int
    end: int
    page: int
    text: str
    label: str
    section: str

    @property
    def key(self) -> str:
        return f"{self.target}:{self.obj.pk}"


def units_for(version: DocumentVersion, kind: str) -> list[Unit]:
    """The units of one kind in a version, each with its text cut from the stored text (so
    offsets inside a unit are offsets into ``DocumentText.text``)."""
    full = stored_text(version)

    def cut(obj: Any) -> str:
        return full[obj.start:obj.end] if full and obj.end <= len(full) else obj.text

    if kind == Target.RECOMMENDATION:
        return [Unit(kind, r, r.start, r.end, r.page, cut(r),
                     f"Recommendation {r.number.rstrip('.):')}".strip(), r.heading)
                for r in Recommendation.objects.filter(version=version).order_by("index")]
    if kind == Target.FINDING:
        return [Unit(kind, f, f.start, f.end, f.page, cut(f), f"{f.kind.title()} {f.number}",
                     f.heading)
                for f in Finding.objects.filter(version=version).order_by("index")]
    return [Unit(Target.PASSAGE, p, p.start, p.end, p.page, cut(p),
                 f"Page {p.page}, paragraph {p.index + 1}", p.section_kind or p.section_title)
            for p in Passage.objects.filter(version=version).order_by("index")]


def unit_object(target: str, pk: int, version: DocumentVersion) -> Any:
    model = {Target.PASSAGE: Passage, Target.RECOMMENDATION: Recommendation,
             Target.FINDING: Finding}.get(target)
    if model is None:
        raise CodingError(f"unknown target '{target}'")
    obj = model.objects.filter(pk=pk, version=version).first()
    if obj is None:
        raise CodingError("that passage is not in this document")
    return obj


def stored_text(version: DocumentVersion) -> str:
    text = DocumentText.objects.filter(version=version).only("text").first()
    return text.text if text else ""


# -- coding ---------------------------------------------------------------------------------
def _segment_fields(version: DocumentVersion, target: str, obj: Any) -> dict[str, Any]:
    return {"review_id": version.document.review_id, "version": version, "target": target,
            target: obj, "page": obj.page, "confidential": version.document.confidential}


@transaction.atomic
def add_code(*, coder: Any, code: Code, version: DocumentVersion, target: str, unit_pk: int,
             start: int | None = None, end: int | None = None, memo: str = "",
             consensus: bool = False) -> CodedSegment:
    """A person applies a code to a unit (or a span inside it). Idempotent per coder."""
    if code.retired:
        raise CodingError(f"'{code.name}' is retired")
    obj = unit_object(target, unit_pk, version)
    if start is not None or end is not None:
        if start is None or end is None or not obj.start <= start < end <= obj.end:
            raise CodingError("the selection must lie inside the passage")
        text = stored_text(version)[start:end]
    else:
        full = stored_text(version)
        text = full[obj.start:obj.end] if full else obj.text
    book = code.codebook
    existing = CodedSegment.objects.filter(coder=coder, code=code, target=target,
                                           consensus=consensus, start=start, end=end,
                                           **{target: obj}).first()
    if existing is not None:
        CodedSegment.objects.filter(pk=existing.pk).update(
            status=Status.ACCEPTED, memo=memo or existing.memo, lock=F("lock") + 1)
        existing.refresh_from_db()
        return existing
    return CodedSegment.objects.create(
        codebook=book, codebook_version=book.version, code=code, coder=coder,
        status=Status.ACCEPTED, origin=Origin.HUMAN, start=start, end=end, text=text,
        memo=memo, consensus=consensus, **_segment_fields(version, target, obj))


def decide(segment_pk: int, *, coder: Any, lock: int, status: str | None = None,
           memo: str | None = None) -> CodedSegment:
    """Accept or reject one's own suggestion, or change its memo, if nobody changed it since
    ``lock`` was read; otherwise Conflict."""
    if status is not None and status not in (Status.ACCEPTED, Status.REJECTED,
                                             Status.SUGGESTED):
        raise CodingError(f"unknown status '{status}'")
    changes: dict[str, Any] = {"lock": F("lock") + 1}
    if status is not None:
        changes["status"] = status
    if memo is not None:
        changes["memo"] = memo
    updated = CodedSegment.objects.filter(pk=segment_pk, coder=coder, lock=lock).update(**changes)
    if not updated:
        if not CodedSegment.objects.filter(pk=segment_pk, coder=coder).exists():
            raise CodingError("there is no such coding of yours")
        raise Conflict("this coding changed since you opened the page; reload to see it")
    return CodedSegment.objects.get(pk=segment_pk)


def latest_model(book: Codebook) -> CodingModel | None:
    return book.models.first()


def model_key() -> bytes:
    """The key stored suggestion models are signed with, derived from the installation's
    SECRET_KEY (a model from elsewhere, or written into the database, is not unpickled)."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("observatory.coding.model", "model signing key").digest()


def load_model(book: Codebook) -> CodeModel | None:
    row = latest_model(book)
    if row is None:
        return None
    try:
        return CodeModel.loads(row.blob, model_key())
    except Exception:  # noqa: BLE001 - an unreadable old model is simply not used
        log.warning("stored model %s for %s could not be read", row.pk, book.key)
        return None


def suggest_for_version(version: DocumentVersion, book: Codebook, coder: Any,
                        kind: str) -> int:
    """Suggestions for every unit of one kind, as this coder's own 'suggested' rows. Units
    the coder already has any row for (of that code) are left alone."""
    units = units_for(version, kind)
    if not units:
        return 0
    suggester = Suggester(to_core(book, include_retired=False), model=load_model(book))
    codes = {c.key: c for c in book.codes.filter(retired=False)}
    have = set(CodedSegment.objects.filter(version=version, coder=coder, codebook=book,
                                           target=kind, consensus=False)
               .values_list(kind, "code__key"))
    rows = []
    for unit, found in zip(units, suggester.suggest_many([u.text for u in units]), strict=True):
        for s in found[:4]:
            # the model's suggestions already passed their code's tuned threshold
            if (s.origin != Origin.MODEL and s.confidence < SUGGEST_THRESHOLD) \
                    or (unit.obj.pk, s.code) in have:
                continue
            code = codes[s.code]
            start = unit.start + s.start if s.start is not None else None
            end = unit.start + s.end if s.end is not None else None
            # a machine-first code is applied at once; a sample of it goes to a person
            first = code.machine_first
            rows.append(CodedSegment(
                codebook=book, codebook_version=book.version, code=code, coder=coder,
                status=Status.ACCEPTED if first else Status.SUGGESTED, origin=s.origin,
                confidence=s.confidence, explanation=s.explanation[:2000], start=start,
                end=end, text=unit.text[s.start:s.end] if s.start is not None else unit.text,
                checking=Check.SAMPLE if first and in_sample(unit.key, code) else Check.NONE,
                **_segment_fields(version, kind, unit.obj)))
    CodedSegment.objects.bulk_create(rows)
    return len(rows)


def in_sample(unit_key: str, code: Code) -> bool:
    """Whether the machine's coding of this unit with ``code`` is in the checking sample:
    a fixed pseudo-random draw per unit and code (the same every time, so a re-run does not
    reshuffle what people were asked to check) at the code's ``check_rate``."""
    import hashlib

    digest = hashlib.sha256(f"{code.codebook_id}/{code.key}/{unit_key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2 ** 32 < code.check_rate


def set_machine_first(code: Code, on: bool, rate: float) -> Code:
    """Switch a code to "machine first, a person checks a sample" (or back)."""
    if not 0.0 < rate <= 1.0:
        raise CodingError("the share to check must be more than 0% and at most 100%")
    code.machine_first, code.check_rate = on, rate
    code.save(update_fields=["machine_first", "check_rate"])
    return code


def check_segment(segment_pk: int, *, version: DocumentVersion, checker: Any,
                  right: bool) -> CodedSegment:
    """A person checks one machine coding in the sample of ``version`` (the document they
    have open, which the page checked they may view): right (kept) or wrong (rejected). Who
    checked and when is recorded on the segment."""
    from django.utils import timezone

    updated = CodedSegment.objects.filter(pk=segment_pk, version=version,
                                          checking=Check.SAMPLE).update(
        checking=Check.RIGHT if right else Check.WRONG, checked_by=checker,
        checked_at=timezone.now(), status=Status.ACCEPTED if right else Status.REJECTED,
        lock=F("lock") + 1)
    if not updated:
        raise CodingError("that coding is not waiting to be checked")
    return CodedSegment.objects.get(pk=segment_pk)


def checking_summary(book: Codebook, version: DocumentVersion | None = None,
                     ) -> dict[str, dict[str, int]]:
    """Per machine-first code: how many of its codings are waiting, checked right, wrong."""
    qs = CodedSegment.objects.filter(codebook=book, code__machine_first=True)
    if version is not None:
        qs = qs.filter(version=version)
    out: dict[str, dict[str, int]] = {}
    for key, state in qs.exclude(checking=Check.NONE).values_list("code__key", "checking"):
        out.setdefault(key, {"sample": 0, "right": 0, "wrong": 0})[state] += 1
    return out


# -- learning -------------------------------------------------------------------------------
def training_examples(book: Codebook) -> list[Example]:
    """One example per coded unit: its text and the codes people accepted for it (the
    adjudicated consensus where there is one)."""
    rows = (CodedSegment.objects.filter(codebook=book, status=Status.ACCEPTED)
            .exclude(target=Target.REVIEW)
            .values_list("target", "passage_id", "recommendation_id", "finding_id",
                         "code__key", "consensus", "confidential"))
    units: dict[tuple[str, int], dict[str, set[str]]] = {}
    secret: set[tuple[str, int]] = set()
    for target, p, r, f, code, consensus, confidential in rows:
        key = (target, {"passage": p, "recommendation": r, "finding": f}[target])
        units.setdefault(key, {"all": set(), "consensus": set()})
        units[key]["consensus" if consensus else "all"].add(code)
        if confidential:
            secret.add(key)
    texts: dict[tuple[str, int], str] = {}
    for target, model in (("passage", Passage), ("recommendation", Recommendation),
                          ("finding", Finding)):
        ids = [pk for (t, pk) in units if t == target]
        texts.update({(target, pk): text for pk, text in
                      model.objects.filter(pk__in=ids).values_list("pk", "text")})
    # the model names its nearest examples in explanations: a confidential one by kind only
    return [Example(texts[key], frozenset(codes["consensus"] or codes["all"]),
                    "a confidential document" if key in secret else f"{key[0]} {key[1]}")
            for key, codes in units.items() if key in texts]


def _unit_keys(book: Codebook) -> list[str]:
    """The unit key ("recommendation:12") of each training example, in the same order."""
    rows = (CodedSegment.objects.filter(codebook=book, status=Status.ACCEPTED)
            .exclude(target=Target.REVIEW)
            .values_list("target", "passage_id", "recommendation_id", "finding_id"))
    keys = dict.fromkeys((t, {"passage": p, "recommendation": r, "finding": f}[t])
                         for t, p, r, f in rows)
    present = set()
    for target, model in (("passage", Passage), ("recommendation", Recommendation),
                          ("finding", Finding)):
        ids = [pk for (t, pk) in keys if t == target]
        present |= {(target, pk) for pk in model.objects.filter(pk__in=ids)
                    .values_list("pk", flat=True)}
    return [f"{t}:{pk}" for (t, pk) in keys if (t, pk) in present]


def retrain(book: Codebook, folds: int = 5) -> CodingModel | None:
    """Train the shipped variant on every confirmed unit, and measure it by cross-validation:
    precision/recall of what coders see (model + rules) and of the rules alone; per code,
    the learned model's precision at its threshold (its "trust"); the calibration of its
    probabilities (expected calibration error and the reliability table); and the machine
    as a coder beside the people (:func:`machine_metrics`)."""
    examples = training_examples(book)
    if len(examples) < MIN_TO_TRAIN:
        return None
    data = to_core(book, include_retired=False)
    codes = [c.id for c in data.codes]
    model = train(book.key, examples, codes, book=data, **SHIPPED)
    metrics: dict[str, Any] = {}
    if len(examples) >= 2 * folds:
        probs: dict[str, Any] = {}
        learned, predicted = cross_validate(data, examples, folds=folds, mode="model+rules",
                                            options=SHIPPED, probabilities=probs)
        rules, _ = cross_validate(data, examples, folds=folds, mode="rules")
        alone, _ = cross_validate(data, examples, folds=folds, mode="model", options=SHIPPED)
        ys = [code in e.codes for code in probs for e in examples]
        ps = [float(p) for code in probs for p in probs[code]]
        keys = _unit_keys(book)
        metrics = {"learned": learned, "rules": rules, "folds": folds,
                   "trust": {code: {"precision": m["precision"], "support": m["support"],
                                    "threshold": model.thresholds.get(code, 0.5)}
                             for code, m in alone.items() if code != "macro"},
                   "calibration": {"ece": expected_calibration_error(ys, ps),
                                   "bins": reliability(ys, ps), "pairs": len(ps)},
                   "codebook_version": book.version}
        if len(keys) == len(examples):
            # held-out codes per unit: what the machine would have said without having
            # learned from that unit (for the comparison pages)
            metrics["held_out"] = {k: sorted(p) for k, p in zip(keys, predicted, strict=True)}
    model.metrics = metrics
    row = CodingModel.objects.create(codebook=book, codebook_version=book.version,
                                     trained_on=len(examples), seconds=model.seconds,
                                     metrics=metrics, blob=model.dumps(model_key()))
    if metrics:
        row.metrics["machine"] = machine_metrics(book, row)
        row.save(update_fields=["metrics"])
    return row


def machine_codes(book: Codebook, version: DocumentVersion, kind: str,
                  model_row: CodingModel | None = None) -> set[tuple[str, str]]:
    """What the machine codes in a version's units: its held-out code where it learned from
    the unit (cross-validated), else what it suggests now (model + rules, the suggestion
    threshold), so its agreement with people is never flattered by its own training."""
    row = model_row if model_row is not None else latest_model(book)
    held = (row.metrics or {}).get("held_out", {}) if row is not None else {}
    units = units_for(version, kind)
    if not units:
        return set()
    model = load_model(book) if row is not None else None
    suggester = Suggester(to_core(book, include_retired=False), model=model)
    out: set[tuple[str, str]] = set()
    fresh = [u for u in units if u.key not in held]
    for unit, found in zip(fresh, suggester.suggest_many([u.text for u in fresh]), strict=True):
        out |= {(unit.key, s.code) for s in found
                if s.origin == Origin.MODEL or s.confidence >= SUGGEST_THRESHOLD}
    for unit in units:
        out |= {(unit.key, code) for code in held.get(unit.key, ())}
    return out


def machine_metrics(book: Codebook, model_row: CodingModel | None = None) -> dict[str, Any]:
    """The machine as a coder, over every document version with an adjudicated consensus:
    per code, the people's mean pairwise kappa, the machine's kappa with the consensus and
    with each person, and Krippendorff's alpha over people and machine."""
    people: dict[str, set[tuple[str, str]]] = {}
    consensus: set[tuple[str, str]] = set()
    machine: set[tuple[str, str]] = set()
    units: list[str] = []
    judged: dict[str, set[str]] = {}
    places = (CodedSegment.objects.filter(codebook=book, consensus=True,
                                          status=Status.ACCEPTED)
              .exclude(target=Target.REVIEW).order_by().values_list("version", "target")
              .distinct())
    for version_id, kind in places:
        version = DocumentVersion.objects.get(pk=version_id)
        info = agreement_for(version, book, kind)
        units += [u.key for u in info["units"]]
        for name, pairs in info["codings"].items():
            people.setdefault(name, set()).update(pairs)
            judged.setdefault(name, set()).update(u.key for u in info["units"])
        consensus |= {(f"{kind}:{pk}", code) for pk, code in info["consensus"]}
        machine |= machine_codes(book, version, kind, model_row)
    codes = list(book.codes.filter(retired=False).values_list("key", flat=True))
    if not units or len(people) < 2:
        return {"units": len(units), "coders": sorted(people), "per_code": []}
    rows = machine_agreement(people, machine, consensus, units, codes, judged)
    return {"units": len(units), "coders": sorted(people),
            "per_code": [{"code": r.code, "people": r.people,
                          "with_consensus": r.with_consensus, "with_person": r.with_person,
                          "alpha": r.alpha, "as_good_as_people": r.as_good_as_people}
                         for r in rows]}


def confirmed_units(book: Codebook) -> int:
    return (CodedSegment.objects.filter(codebook=book, status=Status.ACCEPTED)
            .exclude(target=Target.REVIEW)
            .values("target", "passage_id", "recommendation_id", "finding_id")
            .distinct().count())


def maybe_retrain(book: Codebook) -> bool:
    """Queue retraining (after commit) once enough new codes were confirmed."""
    last = latest_model(book)
    count = confirmed_units(book)
    due = count >= MIN_TO_TRAIN and (last is None or count - last.trained_on >= RETRAIN_EVERY)
    if due:
        from .tasks import retrain_codebook

        transaction.on_commit(lambda: retrain_codebook.enqueue(book.pk))
    return due


# -- agreement ------------------------------------------------------------------------------
def coders_of(version: DocumentVersion, book: Codebook) -> list[Any]:
    from django.contrib.auth import get_user_model

    ids = (CodedSegment.objects.filter(version=version, codebook=book, consensus=False,
                                       status=Status.ACCEPTED)
           .values_list("coder_id", flat=True).distinct())
    return list(get_user_model().objects.filter(pk__in=set(ids)).order_by("username"))


def coding_status(version: DocumentVersion, book: Codebook) -> dict[str, bool]:
    """Everyone who took part in coding this version with this codebook (any own row or a
    progress record), and whether they marked it done."""
    from django.contrib.auth import get_user_model

    ids = set(CodedSegment.objects.filter(version=version, codebook=book, consensus=False)
              .values_list("coder_id", flat=True).distinct())
    done = dict(CodingProgress.objects.filter(version=version, codebook=book)
                .values_list("coder_id", "done"))
    ids |= set(done)
    return {u.get_username(): bool(done.get(u.pk)) for u in
            get_user_model().objects.filter(pk__in=ids).order_by("username")}


def comparison_open(version: DocumentVersion | None, book: Codebook) -> bool:
    """Coders stay blind to each other until at least two of them took part and every one
    of them marked the document done."""
    if version is None:
        return False
    status = coding_status(version, book)
    return len(status) >= 2 and all(status.values())


def open_versions(book: Codebook, version_ids: set[int]) -> set[int]:
    return {vid for vid in version_ids
            if comparison_open(DocumentVersion.objects.get(pk=vid), book)}


def agreement_for(version: DocumentVersion, book: Codebook, kind: str) -> dict[str, Any]:
    coders = coders_of(version, book)
    units = units_for(version, kind)
    keys = [u.key for u in units]
    codings: dict[str, set[tuple[str, str]]] = {c.get_username(): set() for c in coders}
    for seg in CodedSegment.objects.filter(version=version, codebook=book, consensus=False,
                                           status=Status.ACCEPTED, target=kind
                                           ).select_related("code", "coder"):
        codings[seg.coder.get_username()].add((seg.unit_key, seg.code.key))
    used = sorted({code for pairs in codings.values() for _, code in pairs})
    result = compare(codings, keys, used) if len(coders) >= 2 else None
    consensus = set(CodedSegment.objects.filter(
        version=version, codebook=book, consensus=True, status=Status.ACCEPTED, target=kind)
        .values_list(kind, "code__key"))
    return {"coders": [c.get_username() for c in coders], "units": units, "codes": used,
            "result": result, "codings": codings, "consensus": consensus}


# -- queries for analysis (issue 5) ---------------------------------------------------------
def codes_per(*, review: Any = None, recommendation: Any = None, codebook: str | None = None,
              prefer_consensus: bool = True) -> list[dict[str, Any]]:
    """Accepted codes per review / recommendation: one dict per (unit, code), with the
    number of coders who applied it and whether it is the adjudicated consensus. Where a unit
    has a consensus coding, only that is returned (``prefer_consensus``: the counting rule,
    ``observatory_core.coding.counting.counted``, the same as the analysis tables')."""
    from observatory_core.coding.counting import counted

    from ..repository.services import in_current_versions
    from .counting import code_rows

    # Current versions only (or whole reviews), as ``counting.counted_segments``.
    qs = CodedSegment.objects.filter(in_current_versions(or_none=True), status=Status.ACCEPTED)
    if review is not None:
        qs = qs.filter(review=review)
    if recommendation is not None:
        qs = qs.filter(recommendation=recommendation)
    if codebook:
        qs = qs.filter(codebook__key=codebook)
    rows = code_rows(qs)
    kept = counted(rows) if prefer_consensus else rows
    names = {(book, key): name for book, key, name in qs.order_by().values_list(
        "codebook__key", "code__key", "code__name").distinct()}
    out: dict[tuple, dict[str, Any]] = {}
    for row in kept:
        key = (row.review, row.codebook, row.target, row.unit, row.code, row.consensus)
        entry = out.setdefault(key, {"review_id": row.review, "codebook": row.codebook,
                                     "target": row.target, "unit_id": row.unit,
                                     "code": row.code,
                                     "code_name": names[(row.codebook, row.code)],
                                     "consensus": row.consensus, "coders": 0})
        entry["coders"] += 1
    return [out[k] for k in sorted(out, key=lambda k: k[:5])]


def visible_segments(qs: Any, user: Any, action: str = "view") -> Any:
    """Segments this user may ``action`` (the coding grant) on documents (and reviews) the
    user may view: a confidential or unpublished document's codes never reach a role that
    may not view the document (``accounts.scopes.segments_q``, the list form of ``can``)."""
    from ..accounts.scopes import segments_q

    return qs.filter(segments_q(user, action))


def q_unit(kind: str, pk: int) -> Q:
    return Q(target=kind, **{kind: pk})
