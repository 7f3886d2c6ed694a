from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "observatory.accounts"
    verbose_name = "Users and roles"

    def ready(self) -> None:
        from . import signin  # noqa: F401 - audits every sign-in, sign-out and failure
