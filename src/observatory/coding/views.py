"""Coding pages: codebooks (read, edit, import, export), the workbench, the comparison of
coders with adjudication, and exports. Every page is also JSON (``respond``).

Access: the policy's ``codebook`` and ``coding`` kinds; coding a document also needs
``view`` on that document (so confidential documents keep their access), and every read and
change is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from observatory_core.citations import plain
from observatory_core.coding import codebook as core
from observatory_core.coding.agreement import machine_agreement

from ..accounts.access import can
from ..accounts.scopes import documents_q
from ..audit.log import record
from ..ingestion.redaction import visible_titles
from ..repository.models import Document
from ..repository.services import in_current_versions
from ..web.params import int_param
from ..web.render import error, respond, wants_json
from . import exports
from .anchoring import needing_reanchoring
from .charts import band, reliability_svg
from .models import Check, Code, Codebook, CodedSegment, CodingProgress, Status, Target
from .privacy import View
from .services import (
    CodingError,
    Conflict,
    add_code,
    agreement_for,
    check_segment,
    checking_summary,
    coding_status,
    comparison_open,
    decide,
    edit_code,
    ensure_codebooks,
    export_codebook,
    latest_model,
    machine_codes,
    maybe_retrain,
    open_versions,
    parse_upload,
    remove_code,
    save_codebook,
    set_machine_first,
    suggest_for_version,
    units_for,
    visible_segments,
)


class Kind:
    """Stands for 'coding in general' when asking the policy."""

    def __init__(self, kind: str):
        self.kind = kind

    def access_kind(self) -> str:
        return self.kind

    def __str__(self) -> str:
        return self.kind


CODING, CODEBOOKS = Kind("coding"), Kind("codebook")


def _refuse(request: HttpRequest, action: str, obj: Any) -> HttpResponse:
    record(request, action, obj, allowed=False)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return error(request, 403, "You do not have permission to do that.")


def _book(request: HttpRequest, key: str | None = None) -> Codebook | None:
    ensure_codebooks()
    key = key or request.GET.get("codebook") or request.POST.get("codebook") \
        or "recommendation_themes"
    return Codebook.objects.filter(key=key).first()


def _lines(value: str) -> list[str]:
    return [v.strip() for v in (value or "").splitlines() if v.strip()]


# -- codebooks ------------------------------------------------------------------------------
def coding_home(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "view", CODEBOOKS):
        return _refuse(request, "view", CODEBOOKS)
    ensure_codebooks()
    books = list(Codebook.objects.all())
    documents = []
    if can(request.user, "view", CODING):
        from ..ingestion.models import DocumentText

        seen = set()
        visible = documents_q(request.user, prefix="version__document__")
        for text in DocumentText.objects.filter(visible).select_related(
                "version__document__review", "version__document__kind").order_by(
                "-created_at")[:200]:
            doc = text.version.document
            if doc.pk in seen:
                continue
            seen.add(doc.pk)
            documents.append(doc)
    titles = visible_titles(request.user, documents[:50])
    data = {"codebooks": [{"key": b.key, "name": b.name, "version": b.version,
                           "codes": b.codes.filter(retired=False).count(),
                           "url": b.get_absolute_url()}
                          for b in books],
            "documents": [{"id": d.pk, "title": titles[d.pk], "review": d.review.reference,
                           "url": f"/coding/documents/{d.pk}/"} for d in documents[:50]]}
    return respond(request, "coding/home.html", data,
                   {"may_import": can(request.user, "change", CODEBOOKS)})


def codebook_detail(request: HttpRequest, key: str) -> HttpResponse:
    book = _book(request, key)
    if book is None:
        return error(request, 404, "There is no such codebook.")
    if not can(request.user, "view", book):
        return _refuse(request, "view", book)
    problems: list[str] = []
    if request.method == "POST":
        if not can(request.user, "change", book):
            return _refuse(request, "change", book)
        action = request.POST.get("action")
        try:
            if action == "save":
                lock = request.POST.get("lock")
                code = edit_code(book, key=request.POST.get("key", ""),
                                 name=request.POST.get("name", ""),
                                 parent=request.POST.get("parent", ""),
                                 description=request.POST.get("description", ""),
                                 keywords=_lines(request.POST.get("keywords", "")),
                                 patterns=_lines(request.POST.get("patterns", "")),
                                 examples=_lines(request.POST.get("examples", "")),
                                 lock=int(lock) if lock and lock.isdigit() else None,
                                 user=request.user)
                record(request, "change", book, detail=f"code {code.key} saved")
                messages.success(request, f"Saved ‘{code.name}’ (codebook version "
                                          f"{Codebook.objects.get(pk=book.pk).version})")
            elif action == "remove":
                code = book.codes.get(key=request.POST.get("key", ""))
                outcome = remove_code(code, request.user)
                record(request, "change", book, detail=f"code {code.key} {outcome}")
                messages.success(request, f"‘{code.name}’ {outcome}"
                                 + (": it is in use, so it stays in history" if outcome ==
                                    "retired" else ""))
            elif action == "machine-first":
                code = book.codes.get(key=request.POST.get("key", ""), retired=False)
                on = request.POST.get("mode") == "machine"
                rate = _percent(request.POST.get("rate", ""))
                set_machine_first(code, on, rate)
                record(request, "change", book,
                       detail=f"code {code.key}: " + (f"machine first, {rate:.0%} checked"
                                                      if on else "people code it"))
                messages.success(request, f"‘{code.name}’: " + (
                    f"the machine codes first and a person checks {rate:.0%} of its codings"
                    if on else "people code it, with suggestions"))
            elif action == "train":
                # Training and its cross-validation take minutes on thousands of codes:
                # never in the request. The codebook page shows the new figures when done.
                from .tasks import retrain_codebook

                transaction.on_commit(lambda: retrain_codebook.enqueue(book.pk))
                record(request, "change", book, detail="asked to retrain suggestions")
                messages.success(request, "Retraining in the background; the figures below "
                                          "change when it has finished")
            return redirect(book.get_absolute_url())
        except Code.DoesNotExist:
            problems = ["There is no such code."]
        except CodingError as exc:
            problems = exc.problems
    record(request, "view", book)
    book.refresh_from_db()
    model = latest_model(book)
    metrics = (model.metrics if model else {}) or {}
    learned, rules = metrics.get("learned", {}), metrics.get("rules", {})
    trust, machine = metrics.get("trust", {}), {
        r["code"]: r for r in (metrics.get("machine") or {}).get("per_code", [])}
    checks = checking_summary(book)
    tree = []
    for level, code in core_tree(book):
        m = learned.get(code.key)
        t, mach = trust.get(code.key), machine.get(code.key)
        tree.append({"key": code.key, "name": code.name, "level": level,
                     "parent": code.parent.key if code.parent_id else "",
                     "description": plain(code.description), "keywords": code.keywords,
                     "patterns": code.patterns, "examples": code.examples,
                     "retired": code.retired, "lock": code.lock,
                     "uses": code.segments.filter(status=Status.ACCEPTED).count(),
                     "precision": m and round(m["precision"], 2),
                     "recall": m and round(m["recall"], 2),
                     "support": m and int(m["support"]),
                     "rule_precision": rules.get(code.key, {}).get("precision"),
                     # the learned model's cross-validated precision at its threshold
                     "trust": round(t["precision"], 2) if t and t["support"] else None,
                     "threshold": round(t["threshold"], 2) if t else None,
                     "machine": mach and {k: _round(mach[k]) for k in
                                          ("people", "with_consensus", "alpha")}
                     | {"with_person": {p: _round(v)
                                        for p, v in mach["with_person"].items()},
                        "as_good_as_people": mach["as_good_as_people"]},
                     "machine_first": code.machine_first,
                     "check_rate": round(code.check_rate, 2),
                     "checking": checks.get(code.key, {"sample": 0, "right": 0, "wrong": 0})})
    calibration = metrics.get("calibration")
    data = {"key": book.key, "name": book.name, "version": book.version,
            "source": plain(book.source), "description": plain(book.description),
            "codes": tree,
            "model": {"trained_on": model.trained_on, "created_at": model.created_at,
                      "macro": learned.get("macro"), "rules_macro": rules.get("macro"),
                      "codebook_version": model.codebook_version,
                      "calibration": calibration and {
                          "ece": round(calibration["ece"], 3),
                          "pairs": calibration["pairs"],
                          "bins": [{k: round(v, 3) if isinstance(v, float) else v
                                    for k, v in b.items()} for b in calibration["bins"]]},
                      "machine": metrics.get("machine") and {
                          k: metrics["machine"][k] for k in ("units", "coders")}}
            if model else None,
            "history": [{"version": v.number, "note": v.note, "at": v.created_at}
                        for v in book.versions.all()[:20]]}
    extra = {"may_edit": can(request.user, "change", book), "problems": problems,
             "book": book}
    if calibration and calibration["bins"]:
        extra["reliability_svg"] = reliability_svg(
            calibration["bins"], chart_id="reliability",
            title="Reliability of the model's confidence")
        extra["reliability_rows"] = [{"band": band(b), **b} for b in calibration["bins"]]
    return respond(request, "coding/codebook.html", data, extra,
                   status=400 if problems else 200)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _percent(value: str) -> float:
    """A share to check, typed as a percentage ("20" or "20%")."""
    try:
        return float(value.strip().rstrip("%")) / 100
    except ValueError as exc:
        raise CodingError("enter the share to check as a percentage, like 20") from exc


def core_tree(book: Codebook) -> list[tuple[int, Code]]:
    codes = list(book.codes.select_related("parent").order_by("position", "pk"))
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    out: list[tuple[int, Code]] = []

    def walk(parent: int | None, level: int) -> None:
        for code in children.get(parent, []):
            out.append((level, code))
            walk(code.pk, level + 1)

    walk(None, 0)
    return out


def codebook_export(request: HttpRequest, key: str) -> HttpResponse:
    book = _book(request, key)
    if book is None:
        return error(request, 404, "There is no such codebook.")
    if not can(request.user, "download", book):
        return _refuse(request, "download", book)
    fmt = request.GET.get("format", "toml")
    fmt = fmt if fmt in ("csv", "qdc") else "toml"
    body, kind = export_codebook(book, fmt)
    record(request, "download", book, detail=f"codebook export {fmt}")
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{book.key}-v{book.version}.{fmt}"'
    return response


@require_POST
def codebook_import(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "change", CODEBOOKS):
        return _refuse(request, "change", CODEBOOKS)
    upload = request.FILES.get("file")
    key = (request.POST.get("key") or "").strip()
    problems: list[str] = []
    book = None
    if upload is None:
        problems = ["Select a codebook file (.toml, .csv or .qdc)"]
    else:
        try:
            data = parse_upload(upload.read(), upload.name, key=key,
                                name=request.POST.get("name", ""),
                                source=request.POST.get("source", ""))
            with transaction.atomic():
                book = save_codebook(data, request.user, f"imported {upload.name}")
                record(request, "change", book, detail=f"imported {upload.name}")
        except core.CodebookError as exc:
            problems = exc.problems
    if problems:
        record(request, "change", CODEBOOKS, allowed=False, detail="import refused")
        if wants_json(request):
            return JsonResponse({"ok": False, "status": 400, "errors": problems}, status=400)
        ensure_codebooks()
        return respond(request, "coding/home.html",
                       {"codebooks": [{"key": b.key, "name": b.name, "version": b.version,
                                       "url": b.get_absolute_url()}
                                      for b in Codebook.objects.all()], "documents": []},
                       {"problems": problems, "may_import": True}, status=400)
    messages.success(request, f"Imported ‘{book.name}’ as version {book.version}")
    return redirect(book.get_absolute_url())


# -- the workbench --------------------------------------------------------------------------
def _document(request: HttpRequest, pk: int) -> tuple[Document | None, HttpResponse | None]:
    if not can(request.user, "view", CODING):
        return None, _refuse(request, "view", CODING)
    document = Document.objects.select_related("review", "kind").filter(pk=pk).first()
    if document is None or not can(request.user, "view", document):
        if document is not None:
            record(request, "view", document, allowed=False, detail="coding")
        return None, error(request, 404, "There is no such document.")
    return document, None


def _segment_json(s: CodedSegment, view: View) -> dict[str, Any]:
    """One segment as this user may see it (text and explanation redacted for roles that
    may not see the document's personal data)."""
    base = s.start if s.start is not None else getattr(getattr(s, s.target, None), "start", None)
    return {"id": s.pk, "code": s.code.key, "code_name": s.code.name, "status": s.status,
            "origin": s.origin, "confidence": s.confidence,
            "explanation": view.text(s.explanation),
            "start": s.start, "end": s.end, "text": view.text(s.text, base)[:300],
            "memo": s.memo,
            "lock": s.lock, "unit": s.unit_key, "consensus": s.consensus}


UNIT_KINDS = (Target.PASSAGE, Target.RECOMMENDATION, Target.FINDING)


def _coding_page(request: HttpRequest, pk: int):
    """What the workbench and the comparison both start from: the document (access
    checked), the chosen codebook, its latest version and the asked-for unit kind ('' if
    none or unknown); or the refusal to answer with."""
    document, refusal = _document(request, pk)
    if refusal:
        return None, refusal
    book = _book(request)
    if book is None:
        return None, error(request, 404, "There is no such codebook.")
    kind = request.POST.get("units") or request.GET.get("units") or ""
    return (document, book, document.current,
            kind if kind in UNIT_KINDS else ""), None


def workbench(request: HttpRequest, pk: int) -> HttpResponse:
    page, refusal = _coding_page(request, pk)
    if refusal:
        return refusal
    document, book, version, kind = page
    if not kind:
        kind = Target.RECOMMENDATION if version and units_for(version, Target.RECOMMENDATION) \
            else Target.PASSAGE
    if request.method == "POST":
        return _workbench_post(request, document, version, book, kind)
    view = View(request.user, document, version)
    record(request, "view", document, detail=f"coding workbench ({book.key})"
                                             f"{' (redacted)' if view.hidden else ''}")
    units = units_for(version, kind) if version else []
    mine = list(CodedSegment.objects.filter(version=version, codebook=book, coder=request.user,
                                            consensus=False, target=kind)
                .select_related("code")) if version else []
    code_filter = request.GET.get("code", "")
    section_filter = request.GET.get("section", "")
    status_filter = request.GET.get("status", "")
    by_unit: dict[str, list[CodedSegment]] = {}
    for seg in mine:
        by_unit.setdefault(seg.unit_key, []).append(seg)
    shown = []
    for unit in units:
        segs = by_unit.get(unit.key, [])
        if code_filter and not any(s.code.key == code_filter for s in segs):
            continue
        section = view.text(unit.section or "")  # a heading can name a person too
        if section_filter and section_filter.lower() not in section.lower():
            continue
        if status_filter and not any(s.status == status_filter for s in segs):
            continue
        spans = [(s.start, s.end, s.code.name) for s in segs
                 if s.start is not None and s.status != Status.REJECTED]
        shown.append({"key": unit.key, "target": unit.target, "id": unit.obj.pk,
                      "label": unit.label, "section": section, "page": unit.page,
                      "start": unit.start, "text": view.text(unit.text, unit.start),
                      # every piece is escaped inside View.html
                      "html": mark_safe(view.html(unit.text, unit.start, spans)),  # noqa: S308
                      "segments": [_segment_json(s, view) for s in segs]})
    decided = {k for k, segs in by_unit.items()
               if any(s.status != Status.SUGGESTED for s in segs)}
    progress = CodingProgress.objects.filter(version=version, codebook=book,
                                             coder=request.user).first() if version else None
    review_docs = []
    # Only documents the user may view: a confidential IMR's title stays hidden.
    siblings = list(document.review.documents.filter(documents_q(request.user))
                    .select_related("kind", "review"))
    titles = visible_titles(request.user, [*siblings, document])
    for doc in siblings:
        v = doc.versions.first()
        done = v and CodingProgress.objects.filter(version=v, codebook=book, coder=request.user,
                                                   done=True).exists()
        review_docs.append({"id": doc.pk, "title": titles[doc.pk], "done": bool(done),
                            "current": doc.pk == document.pk})
    codes = [{"key": c.key, "name": c.name, "level": level}
             for level, c in core_tree(book) if not c.retired]
    reanchor = _reanchor(request.user, version, book, view)
    data = {"document": document.pk, "reanchor": reanchor, "title": titles[document.pk],
            "review": document.review.reference, "codebook": book.key,
            "codebook_version": book.version, "units_kind": kind, "units": [
                {k: v for k, v in u.items() if k != "html"} for u in shown],
            "progress": {"units": len(units), "decided": len(decided),
                         "done": bool(progress and progress.done),
                         "memo": progress.memo if progress else "",
                         "review_documents": review_docs},
            "codes": codes, "checking": _checking(version, book, kind, view)}
    context = {"shown": shown, "object": document, "book": book,
               "books": Codebook.objects.all(), "filters": {
                   "code": code_filter, "section": section_filter, "status": status_filter},
               "percent": int(100 * len(decided) / len(units)) if units else 0,
               "may_code": can(request.user, "change", CODING),
               "sections": sorted({view.text(u.section) for u in units if u.section})}
    return respond(request, "coding/workbench.html", data, context)


def _checking(version: Any, book: Codebook, kind: str, view: View) -> list[dict[str, Any]]:
    """The machine-first codings of this document in the checking sample: waiting first,
    then those checked (by whom, when, and the verdict)."""
    if version is None:
        return []
    rows = (CodedSegment.objects.filter(version=version, codebook=book, target=kind)
            .exclude(checking=Check.NONE)
            .select_related("code", "checked_by", "passage", "recommendation", "finding")
            .order_by("-checking", "pk"))
    out = []
    for s in rows:
        unit = getattr(s, s.target, None)  # the checker reads the whole unit
        out.append({
            "id": s.pk, "code": s.code.key, "code_name": s.code.name,
            "text": view.text(unit.text, unit.start) if unit is not None
            else view.text(s.text, s.start),
            "span": view.text(s.text, s.start) if s.start is not None else "",
            "confidence": s.confidence, "checking": s.checking,
             "checking_label": s.get_checking_display(),
            "checked_by": s.checked_by.get_username() if s.checked_by else None,
            "checked_at": s.checked_at, "explanation": s.explanation})
    return out


def progress_for(version: Any, book: Codebook, kind: str, user: Any) -> dict[str, Any]:
    """This coder's progress through one kind of unit: how many units they have decided
    (any own code accepted, rejected or added), of how many, and whether they finished.
    The workbench shows it, and every decision answers with it so the page's counters
    follow without a reload."""
    units = units_for(version, kind) if version else []
    decided = {s.unit_key for s in CodedSegment.objects.filter(
        version=version, codebook=book, coder=user, consensus=False, target=kind)
        .exclude(status=Status.SUGGESTED)} if version else set()
    keys = {u.key for u in units}
    done = bool(version and CodingProgress.objects.filter(
        version=version, codebook=book, coder=user, done=True).exists())
    count = len(decided & keys)
    return {"units": len(units), "decided": count, "done": done,
            "percent": int(100 * count / len(units)) if units else 0}


def _reanchor(user: Any, version: Any, book: Codebook, view: View) -> list[dict[str, Any]]:
    """The coder's codes a new reading of the document could not place again, with the
    text they were on (redacted as the coder may see it: its offsets are the old ones)."""
    if version is None:
        return []
    return [{"id": s.pk, "code_name": s.code.name, "target": s.get_target_display(),
             "text": view.text(s.text), "memo": s.memo, "status": s.status, "lock": s.lock}
            for s in needing_reanchoring(user, version).filter(codebook=book)
            .exclude(status=Status.REJECTED)]


def _reply(request: HttpRequest, ok_message: str, url: str, payload: dict[str, Any],
           status: int = 200) -> HttpResponse:
    if wants_json(request) or request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse({"ok": status < 400, "data": payload, "message": ok_message},
                            status=status)
    if status < 400:
        messages.success(request, ok_message)
    else:
        messages.error(request, ok_message)
    return redirect(url)


def _workbench_post(request, document, version, book, kind) -> HttpResponse:
    if not can(request.user, "change", CODING):
        return _refuse(request, "change", CODING)
    if version is None:
        return error(request, 404, "This document has no version to code.")
    url = f"/coding/documents/{document.pk}/?codebook={book.key}&units={kind}"
    view = View(request.user, document, version)
    action = request.POST.get("action", "")
    try:
        with transaction.atomic():
            if action == "add":
                target, _, unit_pk = request.POST.get("unit", "").partition(":")
                start, end = request.POST.get("start"), request.POST.get("end")
                code = book.codes.filter(key=request.POST.get("code", "")).first()
                if code is None:
                    raise CodingError("Select a code")
                if not unit_pk.isdigit():
                    raise CodingError("Select a passage to code")
                seg = add_code(coder=request.user, code=code, version=version, target=target,
                               unit_pk=int(unit_pk),
                               start=int(start) if start and start.isdigit() else None,
                               end=int(end) if end and end.isdigit() else None,
                               memo=request.POST.get("memo", ""))
                record(request, "change", seg, detail=f"code {code.key} added")
                maybe_retrain(book)
                return _reply(request, f"Added ‘{code.name}’", url,
                              {**_segment_json(seg, view),
                               "progress": progress_for(version, book, kind, request.user)})
            if action == "decide":
                lock = request.POST.get("lock", "")
                seg = decide(int(request.POST.get("segment", "0") or 0), coder=request.user,
                             lock=int(lock) if lock.isdigit() else -1,
                             status=request.POST.get("status") or None,
                             memo=request.POST.get("memo"))
                record(request, "change", seg, detail=f"{seg.code.key} {seg.status}")
                if seg.status == Status.ACCEPTED:
                    maybe_retrain(book)
                return _reply(request, f"‘{seg.code.name}’ {seg.status}", url,
                              {**_segment_json(seg, view),
                               "progress": progress_for(version, book, kind, request.user)})
            if action == "check":  # a machine-first coding in the checking sample
                seg = check_segment(int(request.POST.get("segment", "0") or 0),
                                    version=version, checker=request.user,
                                    right=request.POST.get("verdict") == "right")
                record(request, "change", seg, detail=f"{seg.code.key} checked: "
                                                      f"{seg.get_checking_display()}")
                return _reply(request, f"‘{seg.code.name}’ {seg.get_checking_display()}",
                              url, {"id": seg.pk, "checking": seg.checking})
            if action == "suggest":
                made = suggest_for_version(version, book, request.user, kind)
                record(request, "change", CODING, detail=f"{made} suggestions on {document.pk}")
                return _reply(request, f"{made} suggestions made", url, {"made": made})
            if action == "progress":  # the memo; finishing is its own control ("done")
                CodingProgress.objects.update_or_create(
                    version=version, codebook=book, coder=request.user,
                    defaults={"memo": request.POST.get("memo", "")})
                return _reply(request, "Memo saved", url, {})
            if action == "done":  # "I have finished coding this document"
                CodingProgress.objects.update_or_create(
                    version=version, codebook=book, coder=request.user,
                    defaults={"done": True})
                record(request, "change", document, detail=f"coding ({book.key}) marked done")
                opened = comparison_open(version, book)
                return _reply(request, "Marked as finished" + (
                    ": every coder is done, the comparison is open" if opened else
                    "; the comparison opens when every coder is done"), url,
                    {"done": True, "comparison_open": opened,
                     "progress": progress_for(version, book, kind, request.user)})
        raise CodingError("Unknown action")
    except Conflict as exc:
        return _reply(request, str(exc), url, {"errors": exc.problems}, status=409)
    except CodingError as exc:
        return _reply(request, str(exc), url, {"errors": exc.problems}, status=400)


# -- a whole review -------------------------------------------------------------------------
def review_coding(request: HttpRequest, reference: str) -> HttpResponse:
    """Code a whole review: every document of it this user may view, with its
    recommendations, findings and passages, and this coder's progress through each and
    through the review (links open each document's workbench)."""
    from ..repository.models import Review

    if not can(request.user, "view", CODING):
        return _refuse(request, "view", CODING)
    review = Review.objects.filter(reference=reference).first()
    if review is None or not can(request.user, "view", review):
        return error(request, 404, "There is no such review.")
    book = _book(request)
    if book is None:
        return error(request, 404, "There is no such codebook.")
    record(request, "view", review, detail=f"coding the review ({book.key})")
    rows, total, decided_total, done_total = [], 0, 0, 0
    for doc in review.documents.filter(documents_q(request.user)).select_related(
            "kind", "review").order_by("pk"):
        version = doc.versions.first()
        kinds = []
        for kind in (Target.RECOMMENDATION, Target.FINDING, Target.PASSAGE):
            units = {u.key for u in units_for(version, kind)} if version else set()
            mine = CodedSegment.objects.filter(version=version, codebook=book,
                                               coder=request.user, consensus=False,
                                               target=kind).exclude(status=Status.SUGGESTED)
            decided = len({s.unit_key for s in mine} & units)
            kinds.append({"units": kind, "count": len(units), "decided": decided,
                          "url": f"/coding/documents/{doc.pk}/?codebook={book.key}"
                                 f"&units={kind}"})
            if kind == Target.RECOMMENDATION or kind == Target.FINDING:
                total += len(units)
                decided_total += decided
        done = bool(version and CodingProgress.objects.filter(
            version=version, codebook=book, coder=request.user, done=True).exists())
        done_total += done
        rows.append({"id": doc.pk, "title": visible_titles(request.user, [doc])[doc.pk],
                     "kind": doc.kind.label, "done": done,
                     "units": kinds})
    data = {"review": review.reference, "title": review.title, "codebook": book.key,
            "documents": rows,
            "progress": {"documents": len(rows), "documents_done": done_total,
                         "recommendations_and_findings": total, "decided": decided_total}}
    return respond(request, "coding/review.html", data, {
        "object": review, "book": book, "books": Codebook.objects.all(),
        "percent": int(100 * decided_total / total) if total else 0})


# -- agreement ------------------------------------------------------------------------------
def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def comparison(request: HttpRequest, pk: int) -> HttpResponse:
    page, refusal = _coding_page(request, pk)
    if refusal:
        return refusal
    document, book, version, kind = page
    kind = kind or Target.RECOMMENDATION
    adjudicator = can(request.user, "change", CODEBOOKS)
    is_open = comparison_open(version, book)
    early = not is_open and adjudicator and (request.GET.get("open") == "early"
                                             or request.POST.get("open") == "early")
    if not is_open and not early:
        return _comparison_closed(request, document, book, version, kind, adjudicator)
    if request.method == "POST":
        if not can(request.user, "change", CODING):
            return _refuse(request, "change", CODING)
        chosen = request.POST.getlist("consensus")
        with transaction.atomic():
            CodedSegment.objects.filter(version=version, codebook=book, consensus=True,
                                        target=kind).delete()
            codes = {c.key: c for c in book.codes.all()}
            for item in chosen:
                unit, _, code_key = item.rpartition("|")
                target, _, unit_pk = unit.partition(":")
                if code_key in codes and unit_pk.isdigit():
                    add_code(coder=request.user, code=codes[code_key], version=version,
                             target=target, unit_pk=int(unit_pk), consensus=True,
                             memo=request.POST.get("memo", ""))
            record(request, "change", CODING,
                   detail=f"adjudicated {len(chosen)} codes on document {document.pk}")
        maybe_retrain(book)
        messages.success(request, f"Consensus coding recorded ({len(chosen)} codes)")
        return redirect(f"/coding/documents/{document.pk}/compare/?codebook={book.key}"
                        f"&units={kind}{'&open=early' if early else ''}")
    view = View(request.user, document, version)
    notes = (" (redacted)" if view.hidden else "") + \
        (" opened before every coder was done" if early else "")
    record(request, "view", document, detail=f"coding comparison ({book.key}){notes}")
    info = agreement_for(version, book, kind) if version else None
    if info is None:
        return error(request, 404, "This document has no version to compare.")
    result = info["result"]
    names = {c.key: c.name for c in book.codes.all()}
    labels = {u.key: u.label for u in info["units"]}
    texts = {u.key: view.text(u.text, u.start) for u in info["units"]}
    per_code = [{"code": c.code, "name": names.get(c.code, c.code), "kappa": c.kappa,
                 "alpha": c.alpha, "agreed": c.agreed, "disagreed": c.disagreed,
                 "positives": c.positives, "kappa_text": _num(c.kappa),
                 "alpha_text": _num(c.alpha)} for c in result.per_code] if result else []
    disagreements = [{"unit": u, "label": labels.get(u, u), "text": texts.get(u, "")[:400],
                      "code": code, "name": names.get(code, code), "applied_by": list(yes),
                      "not_by": list(no)} for u, code, yes, no in result.disagreements] \
        if result else []
    consensus = {f"{kind}:{pk}|{code}" for pk, code in info["consensus"]}
    machine = _machine_rows(book, version, kind, info, names) if result else []
    candidates = []
    for unit in info["units"]:
        for code in info["codes"]:
            by = [c for c, pairs in info["codings"].items() if (unit.key, code) in pairs]
            if by:
                value = f"{unit.key}|{code}"
                candidates.append({"value": value, "label": unit.label, "name": names[code],
                                   "by": by, "checked": value in consensus if consensus
                                   else len(by) * 2 > len(info["coders"])})
    data = {"document": document.pk, "codebook": book.key, "units_kind": kind,
            "coders": info["coders"], "units": len(info["units"]),
            "kappa": result.kappa if result else None, "alpha": result.alpha if result else None,
            "per_code": per_code, "disagreements": disagreements,
            "consensus": sorted(consensus), "open": True, "early": early,
            "status": coding_status(version, book), "codebook_version": book.version,
            "machine": machine}
    context = {"object": document, "book": book, "candidates": candidates,
               "kappa_text": _num(data["kappa"]), "alpha_text": _num(data["alpha"]),
               "may_code": can(request.user, "change", CODING)}
    return respond(request, "coding/compare.html", data, context)


def _machine_rows(book: Codebook, version: Any, kind: str, info: dict[str, Any],
                  names: dict[str, str]) -> list[dict[str, Any]]:
    """The machine as one more coder of this document: per code, its kappa with each person
    and with the consensus (when there is one) beside the people's with each other."""
    machine = machine_codes(book, version, kind)
    consensus = {(f"{kind}:{pk}", code) for pk, code in info["consensus"]}
    codes = sorted(set(info["codes"]) | {code for _, code in machine} |
                   {code for _, code in consensus})
    rows = machine_agreement(info["codings"], machine, consensus or None,
                             [u.key for u in info["units"]], codes)
    return [{"code": r.code, "name": names.get(r.code, r.code), "people": _round(r.people),
             "with_consensus": _round(r.with_consensus),
             "with_person": {p: _round(k) for p, k in r.with_person.items()},
             "alpha": _round(r.alpha), "as_good_as_people": r.as_good_as_people}
            for r in rows]


def _comparison_closed(request: HttpRequest, document: Document, book: Codebook, version: Any,
                       kind: str, adjudicator: bool) -> HttpResponse:
    """Coders are blind to each other until every one has marked the document done; an
    adjudicator may open the comparison earlier (audited)."""
    status = coding_status(version, book) if version else {}
    record(request, "view", document, detail=f"coding comparison ({book.key}) still closed")
    if request.method == "POST":
        return error(request, 409, "The comparison is not open yet: every coder must mark "
                                   "the document done first.")
    data = {"document": document.pk, "codebook": book.key, "units_kind": kind, "open": False,
            "status": status, "coders": list(status)}
    return respond(request, "coding/compare_closed.html", data,
                   {"object": document, "book": book, "adjudicator": adjudicator})


# -- exports --------------------------------------------------------------------------------
def export(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "download", CODING):
        return _refuse(request, "download", CODING)
    book = _book(request)
    if book is None:
        return error(request, 404, "There is no such codebook.")
    # Current versions only (and codes on whole reviews): the rule of repository.services.
    segments = CodedSegment.objects.filter(in_current_versions(or_none=True), codebook=book)
    which = request.GET.get("set", "accepted")
    if which == "consensus":
        segments = segments.filter(consensus=True, status=Status.ACCEPTED)
    elif which == "accepted":
        segments = segments.filter(status=Status.ACCEPTED)
    if request.GET.get("review"):
        segments = segments.filter(review__reference=request.GET["review"])
    document = int_param(request.GET, "document", label="document number")
    if document is not None:
        segments = segments.filter(version__document_id=document)
    segments = visible_segments(segments, request.user, "download")
    if not can(request.user, "change", CODEBOOKS):
        # blind coding: a coder sees others' codes on a document only once every coder of
        # it is done (readers who do not code it are not blinded)
        mine = set(CodedSegment.objects.filter(codebook=book, coder=request.user,
                                               consensus=False)
                   .values_list("version_id", flat=True)) | set(
            CodingProgress.objects.filter(codebook=book, coder=request.user)
            .values_list("version_id", flat=True))
        blind = mine - open_versions(book, mine - {None})
        segments = segments.exclude(Q(version_id__in=blind) & ~Q(coder=request.user)
                                    & Q(consensus=False))
    views = exports.views_for(request.user, segments)
    fmt = request.GET.get("format", "csv")
    name = f"{book.key}-{which}"
    if fmt == "xlsx":
        body, kind = exports.to_xlsx(segments, views), \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "qdpx":
        body, kind = exports.to_qdpx(book, segments, name, views), "application/zip"
    elif fmt == "json":
        record(request, "download", CODING, detail=f"export {book.key} {which} json")
        return JsonResponse({"ok": True, "data": exports.rows(segments, views), "links": {}})
    else:
        fmt, body, kind = "csv", exports.to_csv(segments, views), "text/csv; charset=utf-8"
    record(request, "download", CODING, detail=f"export {book.key} {which} {fmt}")
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response

