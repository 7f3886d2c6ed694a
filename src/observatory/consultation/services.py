"""What organisers and participants can do to a Delphi study, shared by the web pages, the
API and the CLI. Each function checks its own preconditions and raises ``DelphiError`` with
a message for people; nothing is changed when it does.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from observatory_core.consensus import (
    DEFAULT_RULE,
    LABELS,
    SCALE,
    ConsensusRule,
    CountsError,
    RuleError,
    change_between,
    counts_from_percentages,
    get_rule,
    normalise_counts,
    retention,
    statement_result,
)

from ..web.validation import field_problems
from .models import (
    AggregateResult,
    Participant,
    Response,
    Round,
    Section,
    Statement,
    StatementVersion,
    Study,
    Submission,
    token_hash,
)

DEFAULT_LINK_DAYS = 28
MAX_INVITES = 500
MAX_COMMENT = 4000


class DelphiError(ValueError):
    """Refused: the message says why, for the person who tried."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# -- studies and rules --------------------------------------------------------------------
def create_study(title: str, *, rule_key: str = DEFAULT_RULE, description: str = "",
                 user: Any = None) -> Study:
    title = (title or "").strip()
    if not title:
        raise DelphiError("Enter a title for the study")
    try:
        rule = get_rule(rule_key)
    except RuleError as exc:
        raise DelphiError(str(exc)) from exc
    with transaction.atomic():
        study = Study.objects.create(title=title, description=description.strip(),
                                     rule_key=rule.key, rule=rule.to_dict(),
                                     created_by=user if getattr(user, "pk", None) else None)
        Round.objects.create(study=study, number=1)
    return study


def has_answers(study: Study) -> bool:
    return (Response.objects.filter(submission__round__study=study).exclude(answer="").exists()
            or AggregateResult.objects.filter(version__round__study=study).exists())


def change_rule(study: Study, rule_key: str) -> Study:
    """Choose another rule; refused once the first answer has arrived."""
    try:
        rule = get_rule(rule_key)
    except RuleError as exc:
        raise DelphiError(str(exc)) from exc
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        if study.rule_locked or has_answers(study):
            raise DelphiError("The consensus rule is locked: answers have already arrived, so "
                              "it can no longer be changed.", status=409)
        study.rule_key, study.rule = rule.key, rule.to_dict()
        study.save(update_fields=["rule_key", "rule"])
    return study


def _lock_rule(study: Study) -> None:
    Study.objects.filter(pk=study.pk, rule_locked_at__isnull=True).update(
        rule_locked_at=timezone.now())


# -- sections and statements --------------------------------------------------------------
def current_round(study: Study) -> Round:
    return study.rounds.order_by("-number").first()


def editable_round(study: Study) -> Round:
    rnd = current_round(study)
    if rnd is None or rnd.status != Round.DRAFT:
        raise DelphiError("Statements can only be changed between rounds: start the next "
                          "round first (rounds that are open or closed keep their wording).",
                          status=409)
    return rnd


def add_section(study: Study, title: str, description: str = "") -> Section:
    title = (title or "").strip()
    if not title:
        raise DelphiError("Enter a title for the section")
    if study.imported:
        raise DelphiError("An imported study cannot be changed.", status=409)
    if study.sections.filter(title=title).exists():
        raise DelphiError(f"There is already a section called '{title}'")
    position = (study.sections.aggregate(m=Max("position"))["m"] or 0) + 1
    return Section.objects.create(study=study, position=position, title=title,
                                  description=description.strip())


def add_statement(study: Study, section: Section, text: str) -> StatementVersion:
    text = (text or "").strip()
    if not text:
        raise DelphiError("Enter the statement")
    if section.study_id != study.pk:
        raise DelphiError("That section belongs to another study.", status=404)
    with transaction.atomic():
        rnd = editable_round(study)
        number = (section.statements.aggregate(m=Max("number"))["m"] or 0) + 1
        statement = Statement.objects.create(study=study, section=section, number=number)
        return StatementVersion.objects.create(statement=statement, round=rnd, text=text,
                                               change=StatementVersion.ADDED)


def study_version(study: Study, version_id: Any) -> StatementVersion:
    version = (StatementVersion.objects.select_related("round", "statement__section")
               .filter(pk=version_id if str(version_id).isdigit() else None,
                       statement__study=study).first())
    if version is None:
        raise DelphiError("There is no such statement in this study.", status=404)
    return version


def _previous_version(version: StatementVersion) -> StatementVersion | None:
    return (StatementVersion.objects.filter(statement=version.statement,
                                            round__number__lt=version.round.number)
            .order_by("-round__number").first())


def _check_draft(version: StatementVersion) -> None:
    # Read the round afresh: a cached one may predate its opening.
    status = Round.objects.filter(pk=version.round_id).values_list("status", flat=True).first()
    if status != Round.DRAFT:
        raise DelphiError("This round has opened, so its statements can no longer change.",
                          status=409)


def revise_statement(version: StatementVersion, text: str) -> StatementVersion:
    """New wording for the round being prepared (kept if it matches the last round's)."""
    text = (text or "").strip()
    if not text:
        raise DelphiError("Enter the statement")
    _check_draft(version)
    previous = _previous_version(version)
    version.text = text
    if previous is None:
        version.change = StatementVersion.ADDED
    else:
        version.change = (StatementVersion.KEPT if previous.text == text
                          else StatementVersion.REVISED)
    version.save(update_fields=["text", "change"])
    return version


def drop_statement(version: StatementVersion) -> None:
    """Leave a statement out of the round being prepared. In round 1 it was never asked, so
    it is removed; later, the drop is kept in its history."""
    _check_draft(version)
    if _previous_version(version) is None:
        statement = version.statement
        version.delete()
        if not statement.versions.exists():
            statement.delete()
        return
    version.change = StatementVersion.DROPPED
    version.save(update_fields=["change"])


def restore_statement(version: StatementVersion) -> StatementVersion:
    return revise_statement(version, version.text)


# -- rounds -------------------------------------------------------------------------------
def start_next_round(study: Study) -> Round:
    """A new round (being prepared) with every statement of the last round kept."""
    with transaction.atomic():
        Study.objects.select_for_update().filter(pk=study.pk).first()
        last = current_round(study)
        if last.status != Round.CLOSED:
            raise DelphiError(f"Close round {last.number} before starting the next.",
                              status=409)
        if study.imported:
            raise DelphiError("An imported study cannot be changed.", status=409)
        new = Round.objects.create(study=study, number=last.number + 1)
        for version in last.versions.exclude(change=StatementVersion.DROPPED):
            StatementVersion.objects.create(statement=version.statement, round=new,
                                            text=version.text, change=StatementVersion.KEPT)
        return new


def open_round(rnd: Round, closes_at: datetime | None = None) -> Round:
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=rnd.pk)
        if rnd.status != Round.DRAFT:
            raise DelphiError(f"Round {rnd.number} has already been opened.", status=409)
        earlier = rnd.study.rounds.filter(number__lt=rnd.number).exclude(status=Round.CLOSED)
        if earlier.exists():
            raise DelphiError("Close the earlier round first.", status=409)
        if not rnd.versions.exclude(change=StatementVersion.DROPPED).exists():
            raise DelphiError("Add at least one statement before opening the round.")
        now = timezone.now()
        if closes_at is not None and closes_at <= now:
            raise DelphiError("The closing time must be in the future.")
        rnd.status, rnd.opens_at, rnd.closes_at = Round.OPEN, now, closes_at
        rnd.save(update_fields=["status", "opens_at", "closes_at"])
    return rnd


def close_round(rnd: Round) -> Round:
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=rnd.pk)
        if rnd.status != Round.OPEN:
            raise DelphiError(f"Round {rnd.number} is not open.", status=409)
        now = timezone.now()
        rnd.status = Round.CLOSED
        if rnd.closes_at is None or rnd.closes_at > now:
            rnd.closes_at = now
        rnd.save(update_fields=["status", "closes_at"])
    return rnd


# -- participants and links ---------------------------------------------------------------
@dataclass
class Invitation:
    participant: Participant
    token: str


def invite(study: Study, count: int = 1, *, days: int = DEFAULT_LINK_DAYS, note: str = "",
           user: Any = None) -> list[Invitation]:
    """Personal links: the token is returned once and only its hash is stored."""
    if study.imported:
        raise DelphiError("An imported study cannot take new participants.", status=409)
    if not 1 <= count <= MAX_INVITES:
        raise DelphiError(f"Invite between 1 and {MAX_INVITES} participants at a time")
    if not 1 <= days <= 366:
        raise DelphiError("Links must last between 1 and 366 days")
    made = []
    with transaction.atomic():
        Study.objects.select_for_update().filter(pk=study.pk).first()
        next_number = study.participants.count() + 1
        expires = timezone.now() + timedelta(days=days)
        for offset in range(count):
            token = secrets.token_urlsafe(32)
            participant = Participant.objects.create(
                study=study, code=f"P{next_number + offset:03d}", note=note.strip()[:200],
                token_hash=token_hash(token), expires_at=expires,
                invited_by=user if getattr(user, "pk", None) else None)
            made.append(Invitation(participant, token))
    return made


def revoke(participant: Participant) -> Participant:
    if participant.revoked_at is None:
        participant.revoked_at = timezone.now()
        participant.save(update_fields=["revoked_at"])
    return participant


def participant_for_token(token: str) -> Participant:
    """The participant holding this link, or a refusal saying what is wrong with it."""
    participant = None
    if token and len(token) <= 200:
        participant = (Participant.objects.select_related("study")
                       .filter(token_hash=token_hash(token)).first())
    if participant is None:
        raise DelphiError("This link is not valid. Check you copied the whole link from your "
                          "invitation, or ask the organisers for a new one.", status=404)
    if participant.revoked_at is not None:
        raise DelphiError("This link has been withdrawn by the organisers.", status=403)
    if participant.expires_at <= timezone.now():
        raise DelphiError("This link has expired. Ask the organisers for a new one.",
                          status=403)
    return participant


# -- answering ----------------------------------------------------------------------------
def asked_versions(rnd: Round):
    return (rnd.versions.exclude(change=StatementVersion.DROPPED)
            .select_related("statement__section")
            .order_by("statement__section__position", "statement__number"))


def answering_round(study: Study) -> Round | None:
    """The round a participant would answer now (open), else the latest one."""
    return (study.rounds.filter(status=Round.OPEN).first()
            or study.rounds.exclude(status=Round.DRAFT).order_by("-number").first())


def save_answers(participant: Participant, rnd: Round, answers: dict[str, tuple[str, str]],
                 *, submit: bool) -> Submission:
    """Save (and, if ``submit``, submit) answers keyed by statement-version id.

    Everything is checked before anything is written: a closed round, a submitted round, a
    statement that is not in this round, an unknown answer, or (on submit) a statement left
    unanswered refuses the whole lot.
    """
    if rnd.study_id != participant.study_id:
        raise DelphiError("That round belongs to another study.", status=404)
    versions = {str(v.pk): v for v in asked_versions(rnd)}
    foreign = sorted(set(answers) - set(versions), key=str)
    if foreign:
        raise DelphiError("Your answers name a statement that is not in this round of this "
                          "study; nothing was saved.", status=400)
    for key, (answer, comment) in answers.items():
        if answer and answer not in SCALE:
            raise DelphiError(f"'{answer}' is not one of the answers; nothing was saved.")
        if len(comment) > MAX_COMMENT:
            number = versions[key].statement.number
            raise DelphiError(f"The comment on statement {number} is longer than "
                              f"{MAX_COMMENT} characters; nothing was saved.")
    with transaction.atomic():
        rnd = Round.objects.select_for_update().get(pk=rnd.pk)
        if not rnd.accepting_answers:
            raise DelphiError(f"Round {rnd.number} is closed, so answers can no longer be "
                              "saved; nothing was changed.", status=409)
        try:
            with transaction.atomic():
                submission, _ = Submission.objects.get_or_create(participant=participant,
                                                                 round=rnd)
        except IntegrityError:
            submission = Submission.objects.get(participant=participant, round=rnd)
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status == Submission.SUBMITTED:
            raise DelphiError(f"You have already submitted your answers to round {rnd.number}; "
                              "they cannot be changed.", status=409)
        existing = {str(r.version_id): r for r in submission.responses.all()}
        merged = {k: (r.answer, r.comment) for k, r in existing.items()}
        merged.update(answers)
        if submit:
            missing = [v for k, v in versions.items() if not merged.get(k, ("", ""))[0]]
            if missing:
                numbers = ", ".join(f"{v.statement.section.title} {v.statement.number}"
                                    for v in missing)
                raise DelphiError("Answer every statement before submitting (choose 'Unable "
                                  f"to answer' if you cannot): {numbers}. Your answers were "
                                  "not saved.", status=400)
        for key, (answer, comment) in answers.items():
            response = existing.get(key)
            if response is None:
                if answer or comment:
                    Response.objects.create(submission=submission, version=versions[key],
                                            answer=answer, comment=comment)
            elif (response.answer, response.comment) != (answer, comment):
                response.answer, response.comment = answer, comment
                response.save(update_fields=["answer", "comment"])
        if any(a for a, _ in merged.values()):
            _lock_rule(rnd.study)
        if submit:
            submission.status = Submission.SUBMITTED
            submission.submitted_at = timezone.now()
        submission.save()
    return submission


def feedback_for(participant: Participant, rnd: Round) -> dict[int, dict[str, Any]]:
    """For each statement of ``rnd`` (by statement id): this participant's own answer and the
    group's distribution in the previous round."""
    previous = rnd.study.rounds.filter(number=rnd.number - 1).first()
    if previous is None:
        return {}
    own = {r.version.statement_id: r for r in Response.objects.filter(
        submission__participant=participant, submission__round=previous,
        submission__status=Submission.SUBMITTED).select_related("version")}
    results = {row["statement_id"]: row for row in round_results(rnd.study, previous)["rows"]}
    feedback = {}
    for version in asked_versions(rnd):
        group = results.get(version.statement_id)
        mine = own.get(version.statement_id)
        if group is None and mine is None:
            continue
        feedback[version.statement_id] = {
            "round": previous.number,
            "own_answer": mine.answer if mine else None,
            "own_answer_label": LABELS.get(mine.answer, "") if mine else None,
            "group": ([{"answer": a, "label": LABELS[a], "pct": group["pct_per_answer"][a],
                        "count": group["counts"][a]} for a in SCALE] if group else []),
            "group_consensus": group["consensus"] if group else None,
            "wording_changed": bool(group and group["text"] != version.text),
            "previous_text": group["text"] if group else None,
        }
    return feedback


# -- results ------------------------------------------------------------------------------
def _counts_by_version(rnd: Round) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SCALE, 0))
    for aggregate in AggregateResult.objects.filter(version__round=rnd):
        counts[aggregate.version_id] = normalise_counts(aggregate.counts)
    rows = (Response.objects.filter(submission__round=rnd,
                                    submission__status=Submission.SUBMITTED)
            .exclude(answer="").values_list("version_id", "answer"))
    for version_id, answer in rows:
        counts[version_id][answer] += 1
    return counts


def _statement_rows(rnd: Round, rule: ConsensusRule) -> list[dict[str, Any]]:
    counts = _counts_by_version(rnd)
    rows = []
    for version in asked_versions(rnd):
        result = statement_result(counts[version.pk], rule)
        rows.append({
            "statement_id": version.statement_id,
            "version_id": version.pk,
            "section": version.statement.section.title,
            "section_position": version.statement.section.position,
            "number": version.statement.number,
            "text": version.text,
            "change": version.change,
            **result.to_dict(),
        })
    return rows


def participation(study: Study) -> list[dict[str, Any]]:
    rounds = list(study.rounds.exclude(status=Round.DRAFT).order_by("number"))
    if study.imported:
        return [{"round": r.number, "participants": r.imported_respondents,
                 "also_in_previous_round": None, "retention_pct": None} for r in rounds]
    people = [set(Submission.objects.filter(round=r, status=Submission.SUBMITTED)
                  .values_list("participant_id", flat=True)) for r in rounds]
    rows = retention(people)
    for row, rnd in zip(rows, rounds, strict=True):
        row["round"] = rnd.number
    return rows


def round_results(study: Study, rnd: Round) -> dict[str, Any]:
    """Per statement of the round: counts, percentages, consensus and change since the
    previous round; per section, the same rows grouped. Anonymous by construction: only
    counts of answers are read."""
    rule = study.consensus_rule()
    rows = _statement_rows(rnd, rule)
    previous = study.rounds.filter(number=rnd.number - 1).first()
    before = {}
    if previous is not None:
        before = {r["statement_id"]: r for r in _statement_rows(previous, rule)}
    for row in rows:
        old = before.get(row["statement_id"])
        old_result = statement_result(old["counts"], rule) if old else None
        row["change_since_previous"] = change_between(
            old_result, statement_result(row["counts"], rule))
    sections: dict[str, dict[str, Any]] = {}
    for row in rows:
        section = sections.setdefault(row["section"], {"title": row["section"], "rows": []})
        section["rows"].append(row)
    dropped = []
    if previous is not None:
        dropped = [{"section": v.statement.section.title, "number": v.statement.number,
                    "text": v.text} for v in rnd.versions.filter(
                        change=StatementVersion.DROPPED).select_related("statement__section")]
    return {
        "study": {"id": study.pk, "title": study.title},
        "round": rnd.number,
        "round_status": rnd.status,
        "rule": {"key": study.rule_key, "label": rule.label, "description": rule.describe()},
        "rows": rows,
        "sections": list(sections.values()),
        "dropped": dropped,
        "consensus_count": {c: sum(1 for r in rows if r["consensus"] == c)
                            for c in ("agree", "disagree", "none")},
    }


EXPORT_COLUMNS = ["round", "section", "number", "text", "change", "answered", *SCALE,
                  "pct_disagreeing", "pct_agreeing", "pct_unable", "consensus",
                  "change_pct_disagreeing", "change_pct_agreeing", "change_pct_unable"]


def export_rows(study: Study, round_number: int | None = None) -> list[dict[str, Any]]:
    rounds = study.rounds.exclude(status=Round.DRAFT).order_by("number")
    if round_number is not None:
        rounds = rounds.filter(number=round_number)
    out = []
    for rnd in rounds:
        for row in round_results(study, rnd)["rows"]:
            change = row["change_since_previous"]
            out.append({
                "round": rnd.number, "section": row["section"], "number": row["number"],
                "text": row["text"], "change": row["change"], "answered": row["answered"],
                **row["counts"],
                "pct_disagreeing": row["pct_disagreeing"], "pct_agreeing": row["pct_agreeing"],
                "pct_unable": row["pct_unable"], "consensus": row["consensus"],
                "change_pct_disagreeing": _blank(change["pct_disagreeing"]),
                "change_pct_agreeing": _blank(change["pct_agreeing"]),
                "change_pct_unable": _blank(change["pct_unable"]),
            })
    return out


def _blank(value: Any) -> Any:
    return "" if value is None else value


# -- historical import --------------------------------------------------------------------
IMPORT_COLUMNS = ["section", "number", "text", "round", "respondents", *SCALE]


@dataclass
class ImportProblem:
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}" + (f", {self.field}" if self.field else "") + f": {self.reason}"


@dataclass
class ImportReport:
    study: Study | None = None
    problems: list[ImportProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    statements: int = 0
    rounds: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and self.study is not None


def _int(text: str) -> int:
    value = float(text)
    if not value.is_integer():
        raise ValueError
    return int(value)


def import_aggregates(rows: list[dict[str, Any]], values: str, *, title: str,
                      rule_key: str = DEFAULT_RULE, source: str = "",
                      user: Any = None) -> ImportReport:
    """A completed study from published results: one row per statement per round.

    ``values`` is "counts" or "percentages" (of ``respondents``). Every problem is listed as
    (row, field, reason) and nothing is written unless there are none.
    """
    report = ImportReport()
    problems = report.problems
    if values not in ("counts", "percentages"):
        problems.append(ImportProblem(0, "values", "should be counts or percentages"))
        return report
    for name, value in (("title", title), ("source", source)):
        problems.extend(ImportProblem(0, name, reason)
                        for reason in field_problems(Study, name, value.strip()) if value)
    try:
        get_rule(rule_key)
    except RuleError as exc:
        problems.append(ImportProblem(0, "rule", str(exc)))
        return report
    if not rows:
        problems.append(ImportProblem(1, "", "the file has no rows"))
        return report
    header = set(rows[0].keys())
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        problems.append(ImportProblem(1, "", f"missing columns: {', '.join(missing)}"))
        return report
    unknown = sorted(c for c in header if c and c not in IMPORT_COLUMNS)
    if unknown:
        problems.append(ImportProblem(1, "", f"unknown columns: {', '.join(unknown)}"))
    parsed: list[dict[str, Any]] = []
    seen: dict[tuple[str, int, int], int] = {}
    for index, raw in enumerate(rows, start=2):
        row_problems: list[ImportProblem] = []

        def bad(name: str, reason: str, _index: int = index,
                _problems: list[ImportProblem] = row_problems) -> None:
            _problems.append(ImportProblem(_index, name, reason))

        cells = {k: ("" if v is None else str(v).strip()) for k, v in raw.items() if k}
        section, text = cells.get("section", ""), cells.get("text", "")
        if not section:
            bad("section", "is required")
        if not text:
            bad("text", "is required")
        for name, model, column, value in (("section", Section, "title", section),
                                           ("text", StatementVersion, "text", text)):
            for reason in field_problems(model, column, value) if value else ():
                bad(name, reason)
        numbers: dict[str, int] = {}
        for name in ("number", "round", "respondents"):
            try:
                numbers[name] = _int(cells.get(name, ""))
                if numbers[name] < 1:
                    raise ValueError
            except ValueError:
                bad(name, f"'{cells.get(name, '')}' is not a whole number of 1 or more")
        figures: dict[str, Any] = {}
        for answer in SCALE:
            cell = cells.get(answer, "")
            try:
                figures[answer] = _int(cell) if values == "counts" else float(cell)
                if figures[answer] < 0:
                    raise ValueError
            except ValueError:
                kind = "a whole number" if values == "counts" else "a percentage"
                bad(answer, f"'{cell}' is not {kind} of 0 or more")
        counts: dict[str, int] | None = None
        published = None
        notes: tuple[str, ...] = ()
        if not row_problems:
            if values == "counts":
                counts = figures
                if sum(counts.values()) > numbers["respondents"]:
                    bad("respondents", f"the counts add up to {sum(counts.values())}, more "
                                       f"than the {numbers['respondents']} respondents")
            else:
                published = {a: cells[a] for a in SCALE}
                try:
                    conversion = counts_from_percentages(published, numbers["respondents"])
                except CountsError as exc:
                    bad("", str(exc))
                else:
                    counts, notes = conversion.counts, conversion.notes
        if not row_problems:
            key = (section, numbers["number"], numbers["round"])
            if key in seen:
                bad("number", f"statement {section} {numbers['number']} in round "
                              f"{numbers['round']} is also on row {seen[key]}")
            else:
                seen[key] = index
        problems.extend(row_problems)
        if not row_problems:
            parsed.append({"row": index, "section": section, "text": text, "counts": counts,
                           "published": published, "notes": notes, **numbers})
    round_numbers = sorted({p["round"] for p in parsed})
    if round_numbers and round_numbers != list(range(1, round_numbers[-1] + 1)):
        problems.append(ImportProblem(0, "round", f"rounds should run 1, 2, ... without gaps "
                                                  f"(found {round_numbers})"))
    if problems:
        return report
    with transaction.atomic():
        study = create_study(title, rule_key=rule_key, user=user)
        study.imported, study.source = True, source.strip()
        study.rule_locked_at = timezone.now()
        study.save(update_fields=["imported", "source", "rule_locked_at"])
        rounds = {1: study.rounds.get(number=1)}
        for number in round_numbers[1:]:
            rounds[number] = Round.objects.create(study=study, number=number)
        for number, rnd in rounds.items():
            in_round = [p for p in parsed if p["round"] == number]
            rnd.status, rnd.imported_respondents = Round.CLOSED, max(
                p["respondents"] for p in in_round)
            rnd.save(update_fields=["status", "imported_respondents"])
        sections: dict[str, Section] = {}
        statements: dict[tuple[str, int], Statement] = {}
        last_text: dict[tuple[str, int], str] = {}
        for number in round_numbers:
            in_round = sorted((p for p in parsed if p["round"] == number),
                              key=lambda p: p["row"])
            present = set()
            for item in in_round:
                if item["section"] not in sections:
                    sections[item["section"]] = Section.objects.create(
                        study=study, position=len(sections) + 1, title=item["section"])
                key = (item["section"], item["number"])
                present.add(key)
                if key not in statements:
                    statements[key] = Statement.objects.create(
                        study=study, section=sections[item["section"]], number=item["number"])
                    change = StatementVersion.ADDED
                else:
                    change = (StatementVersion.KEPT if last_text.get(key) == item["text"]
                              else StatementVersion.REVISED if key in last_text
                              else StatementVersion.ADDED)
                last_text[key] = item["text"]
                version = StatementVersion.objects.create(
                    statement=statements[key], round=rounds[number], text=item["text"],
                    change=change)
                AggregateResult.objects.create(
                    version=version, respondents=item["respondents"], counts=item["counts"],
                    published_percentages=item["published"], notes="; ".join(item["notes"]))
                for note in item["notes"]:
                    report.notes.append(f"row {item['row']} ({item['section']} "
                                        f"{item['number']}, round {number}): {note}")
            for key in [k for k in last_text if k not in present]:
                StatementVersion.objects.create(statement=statements[key],
                                                round=rounds[number], text=last_text.pop(key),
                                                change=StatementVersion.DROPPED)
    report.study, report.statements, report.rounds = study, len(statements), len(rounds)
    return report
