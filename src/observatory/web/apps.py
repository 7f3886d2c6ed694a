from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "observatory.web"
    verbose_name = "Web pages"
