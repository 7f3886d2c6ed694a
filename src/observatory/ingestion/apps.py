from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using="default", **kwargs) -> None:
    from django.db import connections

    from .index import install

    connection = connections[using]
    if "ingestion_passage" in connection.introspection.table_names():
        install(connection)


class IngestionConfig(AppConfig):
    name = "observatory.ingestion"
    verbose_name = "Ingestion and search"

    def ready(self) -> None:
        from . import signals  # queues a job for every new document version

        signals.connect_repository_signals()

        post_migrate.connect(_ensure_search_index, sender=self,
                             dispatch_uid="ingestion.search_index")
