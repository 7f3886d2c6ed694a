"""Background tasks (Django's Tasks API, django-tasks backport). Tasks take ids only."""

from __future__ import annotations

from django_tasks import task


@task()
def ingest_version(job_id: int) -> str:
    """Run the ingest pipeline for an IngestJob; its row shows progress and the outcome."""
    from .services import run_job

    return run_job(job_id)
