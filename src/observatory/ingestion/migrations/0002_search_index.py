"""Full-text index over passages: SQLite FTS5 (+ triggers) or a PostgreSQL GIN index.

The SQL lives in ingestion/index.py, shared with the post_migrate check that restores
the SQLite triggers if a later migration rebuilds the passage table.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from observatory.ingestion.index import install

    install(schema_editor.connection)


def backwards(apps, schema_editor):
    from observatory.ingestion.index import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ingestion", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
