"""An index for the analysis counts over coded segments (bench/bench_analysis.py: the case
themes table and the theme quadrant took about 2 s at 200,000 segments; see
docs/analysis.md for the figures after).

The table belongs to the coding app; the index only serves the analysis's queries, so it
lives here, created with IF NOT EXISTS (SQLite and PostgreSQL both accept it). It covers
the counts in the order they read the rows: codebook, status and consensus are constants
of each query (``sources.effective_segments``), then code and review, which they group by,
then the columns they filter on. No table row is read (PostgreSQL: an index-only scan once
the table is vacuumed, as autovacuum does), the rows arrive already grouped by code, and
"has this codebook any consensus coding?" is one index probe.
"""

from django.db import migrations

NAME = "analysis_segment_counts"


class Migration(migrations.Migration):

    dependencies = [
        ("analysis", "0001_initial"),
        ("coding", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON coding_codedsegment (codebook_id, status, "
            "consensus, code_id, review_id, target, recommendation_id, confidential)",
            f"DROP INDEX IF EXISTS {NAME}"),
    ]
