from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "observatory.coding"
    verbose_name = "Coding"
