from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "observatory.coding"
    verbose_name = "Coding"

    def ready(self) -> None:
        from . import anchoring  # noqa: F401 - keeps codes when ingestion reads a version again
