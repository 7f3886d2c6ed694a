from django.apps import AppConfig


class VocabulariesConfig(AppConfig):
    name = "observatory.vocabularies"
    verbose_name = "Controlled lists and local areas"
