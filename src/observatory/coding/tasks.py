"""Background tasks (Django Tasks API). Tasks take ids only."""

from __future__ import annotations

from django_tasks import task


@task()
def retrain_codebook(codebook_id: int) -> str:
    """Retrain the suggestion model of a codebook on the codes people confirmed so far."""
    from .models import Codebook
    from .services import retrain

    book = Codebook.objects.filter(pk=codebook_id).first()
    if book is None:
        return "no such codebook"
    row = retrain(book)
    return f"trained on {row.trained_on} units" if row else "not enough confirmed codes yet"
