"""`observatory backup` and `observatory restore`.

A backup is a folder:

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the service
  runs) or ``database.dump`` (``pg_dump --format=custom`` of an exported snapshot);
- ``documents/<store>/<path>``: every stored document version, read through Django's
  storage API (so an S3-compatible store is backed up the same way);
- ``manifest.json``: the engine, the SHA-256 and size of the database file and of every
  document, the row count of every table, and a digest of the audit log, all taken from
  the same snapshot as the database file.

Restoring checks everything before touching anything: the manifest, the database file's
hash and every document's hash. It refuses an installation that is not empty. Documents
are written first, then the database in one step (a file moved into place, or
``pg_restore --single-transaction``); if anything fails, the documents written are removed
again, so nothing is left half-restored. Afterwards every row count, the audit digest and
every document's hash are checked against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import storages
from django.db import connection

FORMAT = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
CHUNK = 1024 * 1024
# The documents of the repository: their rows name their store and path.
DOCUMENT_QUERY = ("SELECT storage_area, path, sha256, size FROM repository_documentversion "
                  "ORDER BY id")
AUDIT_TABLE = "audit_auditevent"


class BackupError(Exception):
    """A backup could not be made, or cannot be restored; ``problems`` says why."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass
class Report:
    path: Path
    engine: str
    tables: int
    rows: int
    documents: int
    bytes: int
    seconds: float
    problems: list[str] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else connection.vendor


# -- reading a snapshot -------------------------------------------------------------------
def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _snapshot_facts(cursor: Any, tables: list[str]) -> dict[str, Any]:
    """Row counts, the audit digest and the documents, read through one cursor (one
    snapshot). Works with sqlite3 and psycopg cursors alike."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = int(cursor.fetchone()[0])
    audit = hashlib.sha256()
    if AUDIT_TABLE in tables:
        cursor.execute(f"SELECT * FROM {_quote(AUDIT_TABLE)} ORDER BY id")
        for row in cursor.fetchall():
            audit.update(repr(tuple(row)).encode("utf-8"))
    documents = []
    if "repository_documentversion" in tables:
        cursor.execute(DOCUMENT_QUERY)
        documents = [{"store": area, "path": path, "sha256": sha, "size": int(size)}
                     for area, path, sha, size in cursor.fetchall()]
    return {"tables": counts, "audit_digest": audit.hexdigest(), "documents": documents}


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]


PG_TABLES = ("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")


def _pg_env() -> dict[str, str]:
    params = connection.get_connection_params()
    env = dict(os.environ)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"),
                     ("password", "PGPASSWORD"), ("dbname", "PGDATABASE")):
        if params.get(key):
            env[var] = str(params[key])
    return env


def _pg_connect() -> Any:
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**{k: v for k, v in params.items() if v not in (None, "")})


def _tool(name: str) -> str:
    """pg_dump/pg_restore from PATH, else Debian's versioned folder (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    raise BackupError(f"{name} is not installed (PostgreSQL's client tools are needed)")


# -- backup -------------------------------------------------------------------------------
def backup(destination: Path, *, progress: Callable[[str], None] = lambda _: None) -> Report:
    started = time.perf_counter()
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty; give a new folder")
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        engine = _engine()
        progress("database")
        if engine == "sqlite":
            database_file, facts = _backup_sqlite(destination)
        elif engine == "postgresql":
            database_file, facts = _backup_postgresql(destination)
        else:
            raise BackupError(f"backups of a {engine} database are not supported")
        progress("documents")
        total = _copy_documents_out(facts["documents"], destination / DOCUMENTS)
        manifest = {
            "format": FORMAT, "engine": engine,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"file": database_file.name, "sha256": sha256_file(database_file),
                         "size": database_file.stat().st_size},
            **facts,
        }
        (destination / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.chmod(destination / MANIFEST, 0o600)  # it names every document
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)  # no half backup that looks whole
        raise
    return Report(destination, engine, len(facts["tables"]), sum(facts["tables"].values()),
                  len(facts["documents"]), total + database_file.stat().st_size,
                  time.perf_counter() - started)


def _backup_sqlite(destination: Path) -> tuple[Path, dict[str, Any]]:
    target = destination / SQLITE_FILE
    source = sqlite3.connect(str(connection.settings_dict["NAME"]))
    try:
        copy = sqlite3.connect(str(target))
        with copy:
            source.backup(copy)  # consistent even while the service writes
        # One self-contained file: no -wal/-shm beside it, so its hash stays true.
        copy.execute("PRAGMA journal_mode=DELETE")
        copy.close()
    finally:
        source.close()
    os.chmod(target, 0o600)
    snapshot = sqlite3.connect(f"file:{target}?mode=ro&immutable=1", uri=True)
    try:
        facts = _snapshot_facts(snapshot.cursor(), _sqlite_tables(snapshot))
    finally:
        snapshot.close()
    return target, facts


def _backup_postgresql(destination: Path) -> tuple[Path, dict[str, Any]]:
    target = destination / PG_FILE
    with _pg_connect() as pg:
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = pg.execute("SELECT pg_export_snapshot()").fetchone()[0]
        # pg_dump reads exactly what this transaction sees, so the counts, the documents
        # and the dump agree even while uploads go on.
        done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner",
                               f"--snapshot={snapshot}", "--file", str(target)],
                              env=_pg_env(), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError("pg_dump failed", [done.stderr.strip()[-2000:]])
        cursor = pg.cursor()
        tables = [r[0] for r in cursor.execute(PG_TABLES).fetchall()]
        facts = _snapshot_facts(cursor, tables)
        pg.execute("COMMIT")
    os.chmod(target, 0o600)
    return target, facts


def _copy_documents_out(documents: list[dict[str, Any]], folder: Path) -> int:
    total = 0
    for doc in documents:
        target = folder / doc["store"] / doc["path"]
        if not target.resolve().is_relative_to(folder.resolve()):
            raise BackupError(f"a stored document's path leaves its store: {doc['path']}")
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with storages[doc["store"]].open(doc["path"], "rb") as source, target.open("xb") as out:
            while block := source.read(CHUNK):
                digest.update(block)
                out.write(block)
        os.chmod(target, 0o600)
        if digest.hexdigest() != doc["sha256"]:
            raise BackupError("a stored document does not match its recorded hash",
                              [f"{doc['store']}/{doc['path']}"])
        total += doc["size"]
    return total


# -- restore ------------------------------------------------------------------------------
def read_manifest(source: Path) -> dict[str, Any]:
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is not a backup: it has no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{MANIFEST} is damaged", [str(exc)]) from None
    missing = [k for k in ("format", "engine", "database", "tables", "documents",
                           "audit_digest") if k not in manifest]
    if missing:
        raise BackupError(f"{MANIFEST} is damaged", [f"no '{k}'" for k in missing])
    if manifest["format"] != FORMAT:
        raise BackupError(f"backup format {manifest['format']} is not one this version reads")
    return manifest


def verify(source: Path, manifest: dict[str, Any] | None = None) -> list[str]:
    """Every problem with the backup's files (empty when it is whole)."""
    source = Path(source)
    manifest = manifest or read_manifest(source)
    problems = []
    db = manifest["database"]
    database_file = source / Path(db["file"]).name
    if not database_file.is_file():
        problems.append(f"the database file {db['file']} is missing")
    elif database_file.stat().st_size != db["size"] or sha256_file(database_file) != db["sha256"]:
        problems.append(f"the database file {db['file']} does not match its hash")
    root = (source / DOCUMENTS).resolve()
    for doc in manifest["documents"]:
        name = f"{doc['store']}/{doc['path']}"
        path = (source / DOCUMENTS / doc["store"] / doc["path"]).resolve()
        if not path.is_relative_to(root):
            problems.append(f"{name}: a path outside the backup")
        elif not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != doc["size"] or sha256_file(path) != doc["sha256"]:
            problems.append(f"{name}: does not match its hash")
    return problems


def restore(source: Path, *, progress: Callable[[str], None] = lambda _: None) -> Report:
    started = time.perf_counter()
    source = Path(source)
    manifest = read_manifest(source)
    progress("checking the backup")
    problems = verify(source, manifest)
    if problems:
        raise BackupError("the backup is damaged or has been changed; nothing was restored",
                          problems)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(f"this backup is of a {manifest['engine']} database; this "
                          f"installation uses {engine}")
    _refuse_unless_empty(engine, manifest)
    written: list[tuple[str, str]] = []
    try:
        progress("documents")
        for doc in manifest["documents"]:
            with (source / DOCUMENTS / doc["store"] / doc["path"]).open("rb") as handle:
                saved = storages[doc["store"]].save(doc["path"], File(handle))
            written.append((doc["store"], saved))
            if saved != doc["path"]:
                raise BackupError(f"{doc['store']}/{doc['path']} could not keep its name")
        progress("database")
        if engine == "sqlite":
            _restore_sqlite(source / SQLITE_FILE)
        else:
            _restore_postgresql(source / PG_FILE)
    except BaseException:
        for store, name in written:
            storages[store].delete(name)
        raise
    progress("checking the restored installation")
    problems = check_restored(manifest)
    if problems:
        raise BackupError("the restored installation does not match the backup", problems)
    rows = sum(manifest["tables"].values())
    return Report(source, engine, len(manifest["tables"]), rows, len(manifest["documents"]),
                  sum(d["size"] for d in manifest["documents"]), time.perf_counter() - started)


def _current_tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _refuse_unless_empty(engine: str, manifest: dict[str, Any]) -> None:
    problems = []
    tables = _current_tables()
    if tables:
        problems.append(f"the database already has {len(tables)} tables")
    for doc in manifest["documents"]:
        if storages[doc["store"]].exists(doc["path"]):
            problems.append(f"a document is already stored at {doc['store']}/{doc['path']}")
            break
    if problems:
        raise BackupError("restore needs an empty installation (a new database and empty "
                          "document stores); nothing was changed", problems)


def _restore_sqlite(backup_file: Path) -> None:
    connection.close()  # the open connection would go on reading the old file
    target = Path(connection.settings_dict["NAME"])
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".restore-")
    os.close(fd)
    try:
        source = sqlite3.connect(f"file:{backup_file}?mode=ro&immutable=1", uri=True)
        copy = sqlite3.connect(temporary)
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
        for suffix in ("-wal", "-shm"):  # of the empty database being replaced
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(temporary, target)  # in one step: the old file or the whole new one
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _restore_postgresql(dump: Path) -> None:
    done = subprocess.run([_tool("pg_restore"), "--single-transaction", "--exit-on-error",
                           "--no-owner", "--no-privileges", "--dbname",
                           _pg_env()["PGDATABASE"], str(dump)],
                          env=_pg_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError("pg_restore failed; the database was left as it was",
                          [done.stderr.strip()[-2000:]])


def check_restored(manifest: dict[str, Any]) -> list[str]:
    """Row counts, the audit digest and every document's hash against the manifest."""
    if connection.vendor == "postgresql":
        with _pg_connect() as pg:
            cursor = pg.cursor()
            tables = [r[0] for r in cursor.execute(PG_TABLES).fetchall()]
            facts = _snapshot_facts(cursor, tables)
    else:
        db = sqlite3.connect(str(connection.settings_dict["NAME"]))
        try:
            facts = _snapshot_facts(db.cursor(), _sqlite_tables(db))
        finally:
            db.close()
    problems = [f"table {t}: {facts['tables'].get(t)} rows, the backup has {n}"
                for t, n in manifest["tables"].items() if facts["tables"].get(t) != n]
    problems += [f"table {t} is not in the backup" for t in facts["tables"]
                 if t not in manifest["tables"]]
    if facts["audit_digest"] != manifest["audit_digest"]:
        problems.append("the audit log differs from the backup's")
    for doc in manifest["documents"]:
        digest = hashlib.sha256()
        try:
            with storages[doc["store"]].open(doc["path"], "rb") as handle:
                while block := handle.read(CHUNK):
                    digest.update(block)
        except OSError:
            problems.append(f"{doc['store']}/{doc['path']}: missing after restore")
            continue
        if digest.hexdigest() != doc["sha256"]:
            problems.append(f"{doc['store']}/{doc['path']}: hash differs after restore")
    return problems
