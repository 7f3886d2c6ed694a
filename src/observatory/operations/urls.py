from django.urls import path

from . import health, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("service/", views.service_status, name="service-status"),
    path("service/jobs/<uuid:job>/retry/", views.retry_job, name="service-job-retry"),
    path("service/jobs/<uuid:job>/cancel/", views.cancel_job, name="service-job-cancel"),
]
