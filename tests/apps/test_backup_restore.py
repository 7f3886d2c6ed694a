"""`observatory backup` and `observatory restore`, end to end through the command line, on
the database of this run (SQLite, or PostgreSQL under scripts/with-postgres.sh): an
installation with demo documents and audit events is backed up and restored into an empty
one, and every table's row count, the audit log and every document's hash are compared by
a check of their own (not the restore's). A changed or damaged backup is refused with the
reason and leaves the empty installation empty."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from observatory.operations.backup import BackupError, read_manifest, verify

ROOT = Path(__file__).resolve().parents[2]
# Counted independently of operations/backup.py: Django's introspection and ORM, and the
# bytes of each stored document read through the storage API.
FACTS = """
import hashlib, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
import django; django.setup()
from django.db import connection

from observatory.operations.backup import BackupError, read_manifest, verify
from django.core.files.storage import storages
from observatory.repository.models import DocumentVersion
from observatory.audit.models import AuditEvent
if "--seed" in sys.argv:  # an audit event to carry over
    from observatory.audit.log import record
    record(None, "export", kind="published_review", detail="before the backup", channel="cli")
with connection.cursor() as c:
    tables = {}
    for t in connection.introspection.table_names(c):
        c.execute(f'SELECT COUNT(*) FROM "{t}"'); tables[t] = c.fetchone()[0]
docs = {f"{v.storage_area}/{v.path}": hashlib.sha256(
            storages[v.storage_area].open(v.path, "rb").read()).hexdigest()
        for v in DocumentVersion.objects.all()}
recorded = {f"{v.storage_area}/{v.path}": v.sha256 for v in DocumentVersion.objects.all()}
audit = list(AuditEvent.objects.order_by("id").values_list(
    "id", "at", "username", "action", "object_kind", "detail"))
print(json.dumps({"tables": tables, "documents": docs, "recorded": recorded,
                  "audit": [[str(x) for x in row] for row in audit]}))
"""


def _installation(tmp_path: Path, name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.update(PYTHONPATH=str(ROOT / "src"), OBSERVATORY_DATA=str(tmp_path / name),
               OBSERVATORY_DEMO_USERS="0", OBSERVATORY_EMBED_ON_INGEST="0",
               OBSERVATORY_ADMIN_PASSWORD="a-long-admin-password-1")
    env.pop("OBSERVATORY_TESTING", None)
    if connection.vendor == "postgresql":
        import psycopg

        database = f"restore_{name}_{uuid.uuid4().hex[:8]}"
        # Its own connection: the test's is inside a transaction, where this cannot run.
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as pg:
            pg.execute(f'CREATE DATABASE "{database}"')
        base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        env["DATABASE_URL"] = f"{base}/{database}"
    else:
        env.pop("DATABASE_URL", None)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "observatory.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def _facts(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", FACTS, *args], env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def _is_empty(env: dict[str, str]) -> bool:
    """No stored document and no table (read directly, without starting the target)."""
    data = Path(env["OBSERVATORY_DATA"])
    stored = [p for p in (data / "documents").rglob("*") if p.is_file()]
    if "DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as pg:
            tables = pg.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                                ).fetchone()[0]
    else:
        database = data / "observatory.sqlite3"
        tables = 0
        if database.exists():
            db = sqlite3.connect(database)
            tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type='table'"
                                ).fetchone()[0]
            db.close()
    return not stored and tables == 0


@pytest.mark.django_db
def test_backup_restores_into_an_empty_installation_with_every_hash_and_count(tmp_path):
    source = _installation(tmp_path, "source")
    setup = _run(source, "setup", "--demo-count", "2")
    assert setup.returncode == 0, setup.stderr[-2000:]
    before = _facts(source, "--seed")
    assert before["documents"] and before["audit"]
    assert before["documents"] == before["recorded"]

    backup = tmp_path / "backup"
    made = _run(source, "backup", str(backup))
    assert made.returncode == 0, made.stderr[-2000:]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert len(manifest["documents"]) == len(before["documents"])

    target = _installation(tmp_path, "target")
    # A changed document: refused before anything is written, with the file named.
    entry = manifest["documents"][0]
    document = backup / "documents" / entry["store"] / entry["path"]
    original = document.read_bytes()
    document.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    refused = _run(target, "restore", str(backup))
    assert refused.returncode == 1
    assert "damaged or has been changed" in refused.stderr
    assert entry["path"] in refused.stderr
    assert _is_empty(target)
    document.write_bytes(original)

    restored = _run(target, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr[-2000:]
    assert "every document's hash match" in restored.stdout
    after = _facts(target)
    assert after["tables"] == before["tables"]
    assert after["documents"] == before["documents"] == after["recorded"]
    assert after["audit"] == before["audit"]


def test_a_damaged_or_foreign_manifest_is_refused_with_the_reason(tmp_path):
    with pytest.raises(BackupError, match="is not a backup"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": 1, "engine": "sqli')
    with pytest.raises(BackupError, match="manifest.json is damaged"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": 1}))
    with pytest.raises(BackupError) as missing:
        read_manifest(tmp_path)
    assert "no 'database'" in missing.value.problems
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"format": 1, "engine": "sqlite", "tables": {}, "audit_digest": "",
         "database": {"file": "../../etc/passwd", "sha256": "0", "size": 1},
         "documents": [{"store": "published", "path": "../../x", "sha256": "0", "size": 1}]}))
    problems = verify(tmp_path)
    assert "the database file ../../etc/passwd is missing" in problems
    assert "published/../../x: a path outside the backup" in problems


@pytest.mark.django_db
def test_a_restore_that_fails_midway_leaves_no_document_behind(tmp_path, monkeypatch):
    """Disk full (or any failure) while the database is restored: the documents already
    written are removed again, so the installation is as empty as before."""
    import hashlib

    from django.core.files.storage import storages

    from observatory.operations import backup as backup_module

    folder = tmp_path / "backup"
    documents = []
    for store, name, body in (("published", "1/a.pdf", b"%PDF-1.4 a"),
                              ("confidential", "2/b.pdf", b"%PDF-1.4 b")):
        path = folder / "documents" / store / name
        path.parent.mkdir(parents=True)
        path.write_bytes(body)
        documents.append({"store": store, "path": name, "size": len(body),
                          "sha256": hashlib.sha256(body).hexdigest()})
    database = folder / "database.dump"
    database.write_bytes(b"not read: the step that reads it fails")
    (folder / "manifest.json").write_text(json.dumps({
        "format": 1, "engine": backup_module._engine(), "tables": {}, "audit_digest": "",
        "database": {"file": database.name, "size": database.stat().st_size,
                     "sha256": hashlib.sha256(database.read_bytes()).hexdigest()},
        "documents": documents}))
    written = []
    real_save = storages["published"].__class__.save

    def save(self, name, content, *args, **kwargs):
        written.append(name)
        return real_save(self, name, content, *args, **kwargs)

    def disk_full(_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storages["published"].__class__, "save", save)
    monkeypatch.setattr(backup_module, "_refuse_unless_empty", lambda *a: None)
    monkeypatch.setattr(backup_module, "_restore_sqlite", disk_full)
    monkeypatch.setattr(backup_module, "_restore_postgresql", disk_full)
    with pytest.raises(OSError, match="No space left"):
        backup_module.restore(folder)
    assert sorted(written) == ["1/a.pdf", "2/b.pdf"]  # both were written, then removed
    assert not storages["published"].exists("1/a.pdf")
    assert not storages["confidential"].exists("2/b.pdf")
