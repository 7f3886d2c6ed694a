from django.urls import path

from . import views

urlpatterns = [
    path("documents/<int:pk>/ingestion/", views.ingestion_status, name="document-ingestion"),
    path("documents/<int:pk>/dataset/", views.document_dataset, name="document-dataset"),
    path("documents/<int:pk>/text/", views.document_text, name="document-text"),
    path("documents/<int:pk>/personal-data/", views.personal_data,
         name="document-personal-data"),
    path("documents/<int:pk>/redacted/", views.redacted_copies, name="document-redacted"),
    path("documents/<int:pk>/redacted/<int:copy>/file/", views.redacted_copy_file,
         name="document-redacted-file"),
    path("search/", views.search_page, name="search"),
]
