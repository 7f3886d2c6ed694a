from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("lists/", views.vocabulary_list, name="vocabulary-list"),
    path("audit/", views.audit_list, name="audit-list"),
]
