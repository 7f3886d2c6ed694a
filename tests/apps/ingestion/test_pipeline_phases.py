"""The task runs the pipeline's deferred steps through the core runner, chosen by
pipeline.toml's ``deferred`` list, not by step names written in the app (issue 11.5)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from observatory.ingestion import services
from observatory.ingestion.models import IngestJob, Passage, PersonalDataFlag
from observatory.ingestion.redaction import ready
from observatory_core.ingest import load_config
from observatory_core.ingest.pipeline import PipelineConfig

from ..conftest import make_review

pytestmark = pytest.mark.django_db

REPORT = (b"Overview report\n\n1. Introduction\n\n1.1 Child K lived at 12 Acacia Avenue, "
          b"postcode BS1 4DJ, and the aardvark panel met twice.\n")


def test_a_step_deferred_in_the_configuration_runs_after_the_text_is_stored(upload,
                                                                            monkeypatch):
    """Defer the rules' personal-data step instead of the model (a configuration change
    only): when it runs, phase 1 is already stored and the version not yet ready."""
    shipped = load_config()
    seen: dict[str, object] = {}
    rules_step = next(s for s in shipped.steps if s.name == "flag_personal_data")

    def watched(ctx):
        job = IngestJob.objects.latest("pk")
        seen["passages"] = Passage.objects.filter(version=job.version).count()
        seen["job"] = (job.status, job.step)
        seen["ready"] = ready(job.version)
        return rules_step.run(ctx)

    steps = tuple(replace(s, run=watched) if s is rules_step else s
                  for s in shipped.steps if s.name != "flag_personal_data_model")
    config = PipelineConfig(steps=steps, settings=shipped.settings,
                            deferred=("flag_personal_data",))
    monkeypatch.setattr(services, "load_config", lambda: config)
    services.deferred_steps.cache_clear()
    try:
        version, job = upload(make_review("ING-DEFER"), "overview_report", REPORT,
                              filename="report.txt")
    finally:
        services.deferred_steps.cache_clear()
    assert seen["passages"] > 0  # phase 1 committed before the deferred step ran
    assert seen["job"] == (IngestJob.RUNNING, "flag_personal_data")
    assert seen["ready"] is False
    job.refresh_from_db()
    assert job.status == IngestJob.DONE and "flag_personal_data@1" in job.timings
    flags = PersonalDataFlag.objects.filter(version=version)
    assert flags.filter(kind="postcode", producer__startswith="flag_personal_data@1").exists()
    assert "personal-data flags" in job.message and "checking" not in job.message
