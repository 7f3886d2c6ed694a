from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "observatory.notifications"
    label = "notifications"
    verbose_name = "E-mail notifications"
