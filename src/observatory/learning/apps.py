from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "observatory.learning"
    label = "learning"
    verbose_name = "Learning into practice"
