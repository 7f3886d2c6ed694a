from django.apps import AppConfig


class SemanticConfig(AppConfig):
    name = "observatory.semantic"
    verbose_name = "Semantic search"

    def ready(self) -> None:
        from ..ingestion import search
        from . import receivers  # noqa: F401 - embeds the passages of every ingested version
        from .retriever import SemanticRetriever

        search.RETRIEVERS["semantic"] = SemanticRetriever
