"""The database the suite runs on. The PostgreSQL run (scripts/with-postgres.sh) must
really be on PostgreSQL; with CI=true it is part of `make test` and never skipped."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from observatory.repository.models import Review

from .conftest import make_review


@pytest.mark.postgres
def test_running_on_postgresql(db):
    expected = (os.environ.get("OBSERVATORY_EXPECT_POSTGRES") == "1"
                or os.environ.get("CI") == "true")
    if connection.vendor != "postgresql" and not expected:
        pytest.skip("run through scripts/with-postgres.sh (make test does)")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("show server_version")
        assert cursor.fetchone()[0].startswith("15")


def test_derived_values_and_unique_reference(db):
    review = make_review("DB-1")
    assert review.age_band.code == "under_1"
    assert review.timeliness_months == pytest.approx(9.0, abs=0.1)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        make_review("DB-1")
    assert Review.objects.filter(reference="DB-1").count() == 1
