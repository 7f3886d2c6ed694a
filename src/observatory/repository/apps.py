from django.apps import AppConfig


class RepositoryConfig(AppConfig):
    name = "observatory.repository"
    verbose_name = "Case reviews and their documents"
