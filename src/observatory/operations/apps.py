from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "observatory.operations"
    verbose_name = "Running the service"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (task signals: request ids, job durations)
