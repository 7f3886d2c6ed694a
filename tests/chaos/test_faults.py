"""Faults, on a real PostgreSQL cluster with real processes (`make chaos`; slow, so not in
`make test`): a worker killed with SIGKILL in the middle of a scanned report's OCR, and the
database stopped and started again mid-ingest while the web server and a worker run. In both
the report ends processed once, completely, with no duplicate or half-written rows.

Everything runs on loopback, in processes this test starts and ends, bounded in time."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.chaos, pytest.mark.postgres, pytest.mark.ocr]
ROOT = Path(__file__).resolve().parents[2]
LEASE = "3"  # seconds: a killed worker's job is taken back this soon

UPLOAD = """
import os, sys, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
import django; django.setup()
from datetime import date
from django.db import transaction
from observatory.repository.models import Review
from observatory.repository.services import store_version
from observatory.vocabularies.models import LocalAuthority, Term
from observatory.ingestion.models import IngestJob
term = lambda k, c: Term.objects.get(vocabulary__key=k, code=c)
with transaction.atomic():
    review = Review.objects.create(
        reference=sys.argv[2], title="Child C (fault test)",
        local_authority=LocalAuthority.objects.get(gss_code="E08000025"),
        review_type=term("review_type", "scr"), outcome=term("outcome", "death"),
        incident_date=date(2015, 1, 10), decision_date=date(2015, 2, 1),
        completion_date=date(2015, 11, 1), publication_date=date(2016, 1, 1),
        child_age_months=5)
    with open(sys.argv[1], "rb") as f:
        version = store_version(review=review, kind=term("document_kind", "overview_report"),
                                filename=os.path.basename(sys.argv[1]), stream=f).version
print(json.dumps({"version": version.pk,
                  "job": IngestJob.objects.filter(version=version).get().pk}))
"""

STATE = """
import os, sys, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
import django; django.setup()
from django_tasks_db.models import DBTaskResult
from observatory.ingestion.models import IngestJob, Passage, DocumentText
version = int(sys.argv[1])
job = IngestJob.objects.filter(version_id=version).order_by("pk").last()
indexes = list(Passage.objects.filter(version_id=version).order_by("index")
               .values_list("index", flat=True))
tasks = [(t.status, len(t.worker_ids)) for t in DBTaskResult.objects.filter(
    task_path__endswith="ingest_version")]
print(json.dumps({"job": job.status, "done": job.done, "total": job.total, "step": job.step,
                  "jobs": IngestJob.objects.filter(version_id=version).count(),
                  "passages": indexes,
                  "ocr_pages": Passage.objects.filter(version_id=version, kind="ocr_page").count(),
                  "texts": DocumentText.objects.filter(version_id=version).count(),
                  "text": (DocumentText.objects.filter(version_id=version).values_list(
                      "text", flat=True).first() or "")[:4000],
                  "tasks": tasks}))
"""


def _env(database_url: str, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SET"))}
    env.update(PYTHONPATH=str(ROOT / "src"), OBSERVATORY_DATA=str(data),
               DATABASE_URL=database_url, OBSERVATORY_EMBED_ON_INGEST="0",
               OBSERVATORY_DEMO_USERS="0", OBSERVATORY_ADMIN_PASSWORD="a-long-admin-password-1",
               OBSERVATORY_WORKER_LEASE_SECONDS=LEASE, LOG_LEVEL="WARNING")
    env.pop("OBSERVATORY_TESTING", None)
    return env


def _cli(env, *args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observatory.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _python(env, code, *args) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _start(env, *args, log: Path) -> subprocess.Popen:
    handle = log.open("ab")
    return subprocess.Popen([sys.executable, "-m", "observatory.cli", *args], env=env,
                            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _until(check, *, timeout: float, every: float = 0.3, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    """A 4-page scanned report (page images only), so its processing is OCR, page by page."""
    from observatory_core.ingest.scanned import make_scanned_pdf
    from observatory_demo import build_demo_corpus, write_demo_files

    folder = tmp_path_factory.mktemp("demo")
    files = write_demo_files(build_demo_corpus(count=1), folder)
    pdf = next(p for paths in files.values() for p in paths
               if p.name.endswith("overview-report.pdf"))
    return make_scanned_pdf(pdf, folder / "SCAN-overview-report.pdf", dpi=150, pages=4)


@pytest.fixture
def installation(tmp_path):
    """A new database in the throwaway cluster, migrated, with its own data folder."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.fail("the fault tests run on PostgreSQL: `make chaos` (scripts/with-postgres.sh)")
    name = f"chaos_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f'CREATE DATABASE "{name}"')
    env = _env(f"{url.rsplit('/', 1)[0]}/{name}", tmp_path / "data")
    setup = _cli(env, "setup", "--no-demo")
    assert setup.returncode == 0, setup.stderr[-3000:]
    return env


def _passages_whole(state: dict) -> None:
    assert state["job"] == "done", state
    assert state["jobs"] == 1 and state["texts"] == 1 and state["ocr_pages"] == 0
    assert state["passages"] == list(range(len(state["passages"]))) and state["passages"]
    assert "review" in state["text"].lower()


def test_a_worker_killed_mid_ocr_hands_the_job_on_and_it_finishes_once(installation, scanned,
                                                                        tmp_path):
    env = installation
    ids = _python(env, UPLOAD, scanned, "CHAOS-KILL")
    first = _start(env, "worker", "--interval", "0.2", log=tmp_path / "worker1.log")
    try:
        # Mid-OCR: at least one page read, not all.
        _until(lambda: (s := _python(env, STATE, ids["version"]))["step"] and
               0 < s["done"] < s["total"] and s, timeout=180, what="OCR under way")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed = _python(env, STATE, ids["version"])
        assert killed["tasks"] == [["RUNNING", 1]] and killed["job"] == "running"
    finally:
        _stop(first)
    # The scheduler takes the job back once the dead worker's lease has run out...
    time.sleep(float(LEASE) + 0.5)
    assert _cli(env, "scheduler", "--once").returncode == 0
    assert _python(env, STATE, ids["version"])["tasks"] == [["READY", 1]]
    # ...and another worker finishes it.
    second = _cli(env, "worker", "--batch", "--interval", "0.2", timeout=300)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    state = _python(env, STATE, ids["version"])
    assert state["tasks"] == [["SUCCESSFUL", 2]]
    _passages_whole(state)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, ""


def _pg_ctl(action: str) -> None:
    command = [f"{os.environ['OBSERVATORY_PG_BIN']}/pg_ctl", "-D",
               os.environ["OBSERVATORY_PG_DATA"], "-l", os.environ["OBSERVATORY_PG_LOG"], "-w"]
    command += ["-m", "fast", "stop"] if action == "stop" else \
        ["-o", os.environ["OBSERVATORY_PG_OPTIONS"], "start"]
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def test_database_restart_mid_ingest_gives_503_then_work_resumes(installation, scanned,
                                                                  tmp_path):
    if "OBSERVATORY_PG_DATA" not in os.environ:
        pytest.fail("run under scripts/with-postgres.sh, which says where the cluster is")
    env = installation
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    ids = _python(env, UPLOAD, scanned, "CHAOS-PG")
    processes = [
        _start(env, "serve", "--port", str(port), "--workers", "2", "--threads", "2",
               log=tmp_path / "web.log"),
        _start(env, "worker", "--interval", "0.2", log=tmp_path / "worker.log"),
        _start(env, "scheduler", "--tick", "1", log=tmp_path / "scheduler.log"),
    ]
    try:
        _until(lambda: _get(base + "/readyz")[0] == 200, timeout=120, what="the web server")
        _until(lambda: (s := _python(env, STATE, ids["version"]))["done"] >= 1 and s,
               timeout=180, what="OCR under way")
        _pg_ctl("stop")
        try:
            status, page = _get(base + "/reviews/")
            assert status == 503 and "the service is unavailable" in page.lower()
            assert _get(base + "/readyz")[0] == 503
            assert _get(base + "/healthz")[0] == 200
            time.sleep(2)
        finally:
            _pg_ctl("start")
        _until(lambda: _get(base + "/reviews/")[0] == 200, timeout=60,
               what="pages after the database came back")
        state = _until(lambda: (s := _python(env, STATE, ids["version"]))["job"] == "done" and s,
                       timeout=300, every=1, what="the ingest to finish after the restart")
        _passages_whole(state)
        assert [t[0] for t in state["tasks"]] == ["SUCCESSFUL"]
        assert all(p.poll() is None for p in processes), "a process died with the database"
    finally:
        for process in processes:
            _stop(process)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ENQUEUE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
import django; django.setup()
from observatory.operations.tasks import clear_expired_sessions
for _ in range(int(sys.argv[1])):
    clear_expired_sessions.enqueue()
print("{}")
"""
CLAIMS = """
import os, json
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
import django; django.setup()
from django_tasks_db.models import DBTaskResult
print(json.dumps([[t.status, t.worker_ids] for t in DBTaskResult.objects.all()]))
"""


def test_several_workers_share_the_queue_and_run_each_job_once(installation, tmp_path):
    env = installation
    _python(env, ENQUEUE, 60)
    workers = [_start(env, "worker", "--batch", "--interval", "0", log=tmp_path / f"w{i}.log")
               for i in range(3)]
    try:
        for process in workers:
            process.wait(timeout=180)
    finally:
        for process in workers:
            _stop(process)
    claims = json.loads(subprocess.run([sys.executable, "-c", CLAIMS], env=env,
                                       capture_output=True, text=True, check=True,
                                       timeout=60).stdout)
    assert len(claims) == 60
    assert all(status == "SUCCESSFUL" and len(ids) == 1 for status, ids in claims)
    assert len({ids[0] for _, ids in claims}) >= 2  # the work was shared
