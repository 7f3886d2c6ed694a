"""The full-text index over passages, created per database vendor (idempotent).

Called by migration 0002 and again after every ``migrate`` (post_migrate): on SQLite a
migration that rebuilds ``ingestion_passage`` drops its triggers, and this puts them back
(and rebuilds the FTS table from the passages) so search never silently goes stale.

- SQLite: an external-content FTS5 table kept in sync by triggers.
- PostgreSQL: a stored generated ``tsvector`` column ``search_vector`` with a GIN index.
  Stored (not an expression index) so that ranking the matches reads the vector instead
  of re-parsing every matching passage's text: the raw top-20 query over 100k passages had
  p95 963 ms with the expression index (machine under load 3-11) and 68 ms with the stored
  column (load 4-5; ``bench/bench_search.py``).
  Django does not know the column (inserts never name it); a later migration that changes
  the type of ``text`` must drop and re-create it (``uninstall`` / ``install``).
- PostgreSQL also gets a covering index (review, confidential, id) for the access filter
  (``search.visible_passages``), so the ids a role may see come from an index-only scan.
  SQLite needs none: the model's (review, confidential) index already carries the rowid.
"""

from __future__ import annotations

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS ingestion_passage_fts USING fts5("
    "text, content='ingestion_passage', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')")
SQLITE_TRIGGERS = {
    "ingestion_passage_fts_ai": (
        "CREATE TRIGGER ingestion_passage_fts_ai AFTER INSERT ON ingestion_passage BEGIN "
        "INSERT INTO ingestion_passage_fts(rowid, text) VALUES (new.id, new.text); END"),
    "ingestion_passage_fts_ad": (
        "CREATE TRIGGER ingestion_passage_fts_ad AFTER DELETE ON ingestion_passage BEGIN "
        "INSERT INTO ingestion_passage_fts(ingestion_passage_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text); END"),
    "ingestion_passage_fts_au": (
        "CREATE TRIGGER ingestion_passage_fts_au AFTER UPDATE OF text ON ingestion_passage "
        "BEGIN INSERT INTO ingestion_passage_fts(ingestion_passage_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text); "
        "INSERT INTO ingestion_passage_fts(rowid, text) VALUES (new.id, new.text); END"),
}
ACCESS_INDEX = ("CREATE INDEX IF NOT EXISTS ingestion_passage_access_idx "
                "ON ingestion_passage (review_id, confidential, id)")
POSTGRES_COLUMN = (
    "ALTER TABLE ingestion_passage ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, text)) STORED")
POSTGRES_INDEX = (
    "CREATE INDEX IF NOT EXISTS ingestion_passage_search_vector_idx ON ingestion_passage "
    "USING GIN (search_vector)")
POSTGRES_OLD_INDEX = "DROP INDEX IF EXISTS ingestion_passage_fts_idx"  # the expression index


def install(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(SQLITE_TABLE)
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name = 'ingestion_passage'")
            present = {row[0] for row in cursor.fetchall()}
            missing = [name for name in SQLITE_TRIGGERS if name not in present]
            for name in missing:
                cursor.execute(SQLITE_TRIGGERS[name])
            if missing:
                cursor.execute("INSERT INTO ingestion_passage_fts(ingestion_passage_fts) "
                               "VALUES ('rebuild')")
        elif connection.vendor == "postgresql":
            cursor.execute(POSTGRES_OLD_INDEX)
            cursor.execute(POSTGRES_COLUMN)
            cursor.execute(POSTGRES_INDEX)
            cursor.execute(ACCESS_INDEX)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS ingestion_passage_fts")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS ingestion_passage_search_vector_idx")
            cursor.execute("ALTER TABLE ingestion_passage DROP COLUMN IF EXISTS search_vector")
            cursor.execute("DROP INDEX IF EXISTS ingestion_passage_access_idx")
