from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "observatory.accounts"
    verbose_name = "Users and roles"
