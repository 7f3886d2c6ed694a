"""Running the service (observatory.operations): health and readiness, metrics, request ids
in logs and tasks, the administrators' queue page, the recovery of a dead worker's job, the
scheduler, and the 503 page while the database is away."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from observatory.audit.models import AuditEvent
from observatory.operations import logs, queue, recovery, scheduler
from observatory.operations.models import SchedulerRun, TaskOrigin, WorkerHeartbeat


def _in_this_transaction(monkeypatch) -> None:
    """A worker run inside the test's transaction: its between-jobs check for stale
    connections would close the test's own connection (it is in a transaction)."""
    import django_tasks_db.management.commands.db_worker as db_worker

    from observatory.operations import worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                        "QUEUES": ["default", "embeddings"]}}


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _job(status=TaskResultStatus.READY, workers=(), started_ago: float | None = None,
         **extra) -> DBTaskResult:
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=status, args_kwargs={"args": [], "kwargs": {}}, backend_name="default",
        task_path="observatory.operations.tasks.clear_expired_sessions",
        run_after=now - timedelta(seconds=1), worker_ids=list(workers),
        started_at=now - timedelta(seconds=started_ago) if started_ago is not None else None,
        **extra)


def _beat(worker_id: str, ago: float) -> WorkerHeartbeat:
    at = timezone.now() - timedelta(seconds=ago)
    return WorkerHeartbeat.objects.create(worker_id=worker_id, hostname="h", pid=1,
                                          queues="default", started_at=at, last_seen=at)


# -- health ---------------------------------------------------------------------------------
def test_healthz_answers_without_signing_in_or_the_database():
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
                    side_effect=OperationalError("down")):
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_database_storage_queue_and_workers_without_detail():
    with override_settings(TASKS=DB_TASKS):
        _job()
        response = Client().get("/readyz")
        body = response.json()
        assert response.status_code == 200
        assert body["checks"]["database"] == "ok" and body["checks"]["storage"] == "ok"
        assert body["checks"]["queue"]["waiting"] == 1
        # No live worker: pages still work, so the proxy keeps sending traffic (200).
        assert body["status"] == "degraded" and body["checks"]["workers"]["alive"] == 0
        _beat("w1", ago=1)
        assert Client().get("/readyz").json()["status"] == "ready"
    text = response.content.decode()
    assert "/" not in text.replace("/readyz", "")  # no paths, host names or versions


@pytest.mark.django_db
def test_readyz_is_503_when_storage_cannot_be_written(settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the store's folder should be")
    settings.STORAGES = {**settings.STORAGES, "published": {
        **settings.STORAGES["published"], "OPTIONS": {"location": blocked}}}
    from django.core.files.storage import storages

    storages._storages = {}
    storages._backends = None
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "failed"
    assert response.json()["status"] == "not ready"


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_away():
    with mock.patch("observatory.operations.health.check_database", return_value=False):
        response = Client().get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["database"] == "failed"


# -- the database away: 503 with a clear page ------------------------------------------------
@pytest.mark.django_db
def test_pages_answer_503_with_a_clear_page_while_the_database_is_away():
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
                    side_effect=OperationalError("connection refused")):
        page = Client().get("/reviews/")
        api = Client().get("/reviews/?format=json")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "the service is unavailable" in page.content.decode().lower()
    assert "connection refused" not in page.content.decode()
    assert api.status_code == 503 and api.json()["ok"] is False


@pytest.mark.django_db
def test_a_locked_sqlite_database_is_an_error_not_an_outage():
    from observatory.operations.availability import is_database_down

    assert is_database_down(OperationalError("could not connect to server"))
    assert not is_database_down(OperationalError("database is locked"))


# -- request ids and structured logs -------------------------------------------------------
@pytest.mark.django_db
def test_a_request_id_is_answered_logged_and_carried_into_the_tasks_it_enqueues(caplog,
                                                                                monkeypatch):
    _in_this_transaction(monkeypatch)
    # What the process carried before (a CLI command run earlier in the same process sets
    # one): the task must put back exactly that.
    before = logs.request_id.get()
    response = Client().get("/", HTTP_X_REQUEST_ID="proxy-given-1234")
    assert response["X-Request-ID"] == "proxy-given-1234"
    forged = Client().get("/", HTTP_X_REQUEST_ID="bad id\nsecond line")
    assert forged["X-Request-ID"] != "bad id\nsecond line" and len(forged["X-Request-ID"]) == 32

    from observatory.operations.tasks import clear_expired_sessions

    with override_settings(TASKS=DB_TASKS):
        token = logs.request_id.set("req-abcdef123")
        try:
            result = clear_expired_sessions.enqueue()
        finally:
            logs.request_id.reset(token)
        assert TaskOrigin.objects.get(task_id=str(result.id)).request_id == "req-abcdef123"
        # A worker running it logs under that request's id.
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(queue_names=["default"], interval=0, batch=True,
                        backend_name="default", startup_delay=False, max_tasks=1,
                        worker_id="test-worker", excluded_queue_names=[])
        caplog.set_level(logging.INFO, logger="observatory.tasks")
        handler_filter = logs.ContextFilter()
        records = []

        class Keep(logging.Handler):
            def emit(self, record):
                handler_filter.filter(record)
                records.append(record)

        keep = Keep()
        logging.getLogger("observatory.tasks").addHandler(keep)
        try:
            worker.run()
        finally:
            logging.getLogger("observatory.tasks").removeHandler(keep)
    started = [r for r in records if r.getMessage() == "task started"]
    assert started and started[0].request_id == "req-abcdef123"
    assert started[0].task_id == str(result.id)
    line = json.loads(logs.JsonFormatter().format(started[0]))
    assert line["request_id"] == "req-abcdef123" and line["task"] == "clear_expired_sessions"
    assert logs.request_id.get() == before  # restored after the task


def test_json_log_lines_are_one_object_with_extras():
    record = logging.LogRecord("observatory.requests", logging.INFO, "x", 1, "request", None,
                               None)
    record.route = "/reviews/"
    token = logs.request_id.set("r-12345678")
    try:
        line = json.loads(logs.JsonFormatter().format(record))
    finally:
        logs.request_id.reset(token)
    assert line["message"] == "request" and line["route"] == "/reviews/"
    assert line["request_id"] == "r-12345678" and line["level"] == "INFO"


# -- metrics ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_metrics_count_requests_by_route_and_show_queue_depth(monkeypatch):
    monkeypatch.delenv("OBSERVATORY_METRICS_TOKEN", raising=False)
    Client().get("/reviews/")
    _job()
    _job(status=TaskResultStatus.FAILED)
    body = Client().get("/metrics").content.decode()
    assert 'observatory_http_requests_total{method="GET",route="/reviews/",status="200"}' in body
    assert "observatory_http_request_duration_seconds_bucket" in body
    assert 'observatory_queue_tasks{queue="default",status="READY"} 1.0' in body
    assert 'observatory_queue_tasks{queue="default",status="FAILED"} 1.0' in body
    assert "observatory_workers_alive 0.0" in body
    assert "observatory_task_duration_seconds" in body
    monkeypatch.setenv("OBSERVATORY_METRICS_TOKEN", "s3cret-token")
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


# -- the administrators' page ------------------------------------------------------------------
@pytest.mark.django_db
def test_background_work_page_is_for_administrators_with_retry_and_cancel(users):
    failed = _job(status=TaskResultStatus.FAILED, workers=["w1"],
                  exception_class_path="builtins.ValueError", traceback="boom")
    waiting = _job()
    _beat("w-alive", ago=2)
    assert _client().get("/service/").status_code == 404
    assert _client(users["analyst"]).get("/service/").status_code == 403
    assert _client(users["analyst"]).post(f"/service/jobs/{failed.pk}/retry/").status_code == 403
    admin = _client(users["admin"])
    data = admin.get("/service/?format=json").json()["data"]
    assert data["failed"] == 1 and data["waiting"] == 1 and data["workers_alive"] == 1
    assert data["failed_jobs"][0]["error"] == "ValueError"
    assert "boom" not in json.dumps(data)  # no tracebacks on the page
    page = admin.get("/service/").content.decode()
    assert "Background work" in page and "Retry" in page

    assert admin.post(f"/service/jobs/{failed.pk}/retry/").status_code == 302
    failed.refresh_from_db()
    assert failed.status == TaskResultStatus.READY and failed.traceback == ""
    assert admin.post(f"/service/jobs/{waiting.pk}/cancel/").status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == TaskResultStatus.FAILED
    assert waiting.exception_class_path == queue.CANCELLED
    assert queue.failed_jobs().count() == 0  # a cancelled job needs no attention
    # Retrying what is not failed is refused, and said so.
    assert admin.post(f"/service/jobs/{uuid.uuid4()}/retry/").status_code == 409
    assert AuditEvent.objects.filter(object_kind="service_operations", allowed=True,
                                     action="change").count() == 2


# -- recovery of a dead worker's job ----------------------------------------------------------
@pytest.mark.django_db
def test_a_dead_workers_job_is_put_back_and_a_live_workers_is_left(settings):
    settings.OBSERVATORY_WORKER_LEASE_SECONDS = 30
    _beat("dead", ago=120)
    _beat("alive", ago=5)
    orphan = _job(status=TaskResultStatus.RUNNING, workers=["dead"], started_ago=100)
    busy = _job(status=TaskResultStatus.RUNNING, workers=["alive"], started_ago=100)
    fresh_claim = _job(status=TaskResultStatus.RUNNING, workers=["no-beat-yet"], started_ago=1)
    given_up = _job(status=TaskResultStatus.RUNNING, workers=["dead", "dead", "dead"],
                    started_ago=100)
    TaskOrigin.objects.create(task_id=str(orphan.pk), request_id="r1")
    result = recovery.recover_stale_jobs()
    assert result.requeued == [str(orphan.pk)] and result.failed == [str(given_up.pk)]
    for job in (orphan, busy, fresh_claim, given_up):
        job.refresh_from_db()
    assert orphan.status == TaskResultStatus.READY and orphan.started_at is None
    assert busy.status == TaskResultStatus.RUNNING
    assert fresh_claim.status == TaskResultStatus.RUNNING
    assert given_up.status == TaskResultStatus.FAILED
    assert given_up.exception_class_path == recovery.WORKER_LOST
    assert TaskOrigin.objects.get(task_id=str(orphan.pk)).recovered == 1


# -- the scheduler -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_scheduler_enqueues_each_job_once_per_interval():
    jobs, tick = scheduler.load_schedule()
    assert {j.name for j in jobs} >= {"audit_retention", "expired_sessions", "task_results"}
    assert tick > 0
    with override_settings(TASKS=DB_TASKS):
        now = timezone.now()
        assert set(scheduler.enqueue_due(jobs, now)) == {j.name for j in jobs}
        assert scheduler.enqueue_due(jobs, now + timedelta(hours=1)) == []  # a second one
        later = scheduler.enqueue_due(jobs, now + timedelta(days=1, seconds=1))
        assert set(later) == {j.name for j in jobs}
        assert DBTaskResult.objects.count() == 2 * len(jobs)
    assert SchedulerRun.objects.count() == len(jobs)
    with pytest.raises(ValueError, match="jobs.x.every: .*greater than or equal to 1"):
        scheduler.load_schedule('source = "a test"\n[jobs.x]\ntask = "a.b"\nevery = 0\n'
                                'why = "test"\n')
    with pytest.raises(ValueError, match="jobs.x.evry: unknown key"):
        scheduler.load_schedule('source = "a test"\n[jobs.x]\ntask = "a.b"\nevry = 5\n'
                                'why = "test"\n')


# -- claiming on PostgreSQL ------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db
def test_workers_claim_a_job_with_a_row_lock_that_skips_locked_rows(monkeypatch):
    """What lets many workers on many machines share one queue without running a job twice
    (django-tasks-db's get_locked): the claim is SELECT ... FOR UPDATE SKIP LOCKED."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from observatory.operations.worker import HeartbeatWorker

    if connection.vendor != "postgresql":
        pytest.fail("runs in the PostgreSQL pass (scripts/with-postgres.sh)")
    _in_this_transaction(monkeypatch)
    job = _job()
    worker = HeartbeatWorker(queue_names=["default"], interval=0, batch=True,
                             backend_name="default", startup_delay=False, max_tasks=1,
                             worker_id="claim-test", excluded_queue_names=[])
    with override_settings(TASKS=DB_TASKS), CaptureQueriesContext(connection) as queries:
        worker.run()
    claims = [q["sql"] for q in queries.captured_queries
              if "FOR UPDATE" in q["sql"] and "dbtaskresult" in q["sql"]]
    assert claims and all("SKIP LOCKED" in sql for sql in claims)
    job.refresh_from_db()
    assert job.status == TaskResultStatus.SUCCESSFUL and job.worker_ids == ["claim-test"]
    assert not WorkerHeartbeat.objects.exists()  # a clean stop removes its heartbeat
