from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "observatory.research"
    verbose_name = "Research access"
