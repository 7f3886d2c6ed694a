from django.apps import AppConfig


class ConsultationConfig(AppConfig):
    name = "observatory.consultation"
    verbose_name = "Delphi consultations"
