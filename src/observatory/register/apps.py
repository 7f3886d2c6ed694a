from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "observatory.register"
    label = "register"
    verbose_name = "Register of recommendations and action plans"

    def ready(self) -> None:
        from ..notifications import register_topic

        register_topic("weekly_digest", "Weekly summary of your action plans")
