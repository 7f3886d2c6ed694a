"""Copy the shipped data files (controlled lists, local authorities) into the database.

New vocabularies, terms and areas are added; what an administrator edited is left alone
unless ``overwrite`` is asked for, so re-running after an upgrade is always safe.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from observatory_core.places import load_local_authorities
from observatory_core.vocab import load_vocabularies

from .models import LocalAuthority, Term, Vocabulary


@dataclass
class SyncReport:
    vocabularies: int = 0
    terms_added: int = 0
    terms_updated: int = 0
    areas_added: int = 0
    areas_updated: int = 0


@transaction.atomic
def sync_reference_data(*, overwrite: bool = False) -> SyncReport:
    report = SyncReport()
    for vocab in load_vocabularies().values():
        row, created = Vocabulary.objects.get_or_create(
            key=vocab.key,
            defaults={"label": vocab.label, "source": vocab.source,
                      "description": vocab.description, "multiple": vocab.multiple},
        )
        report.vocabularies += created
        if overwrite and not created:
            row.label, row.source, row.multiple = vocab.label, vocab.source, vocab.multiple
            row.description = vocab.description
            row.save()
        existing = {t.code: t for t in row.terms.all()}
        for term in vocab.terms:
            values = {"label": term.label, "description": term.description,
                      "source": term.source, "order": term.order,
                      "attributes": dict(term.attributes)}
            if term.code not in existing:
                Term.objects.create(vocabulary=row, code=term.code, **values)
                report.terms_added += 1
            elif overwrite:
                Term.objects.filter(pk=existing[term.code].pk).update(**values)
                report.terms_updated += 1
    known = set(LocalAuthority.objects.values_list("gss_code", flat=True))
    for la in load_local_authorities():
        values = {"dfe_code": la.dfe_code or "", "name": la.name,
                  "region_code": la.region_code, "region_name": la.region_name,
                  "start_date": la.start_date, "end_date": la.end_date,
                  "alt_names": "\n".join(la.alt_names)}
        if la.gss_code not in known:
            LocalAuthority.objects.create(gss_code=la.gss_code, **values)
            report.areas_added += 1
        elif overwrite:
            LocalAuthority.objects.filter(gss_code=la.gss_code).update(**values)
            report.areas_updated += 1
    return report


def terms(key: str):
    """Active terms of one vocabulary, for form choices."""
    return Term.objects.filter(vocabulary__key=key, active=True)
