from django.urls import path

from . import views

urlpatterns = [
    path("documents/<int:pk>/ingestion/", views.ingestion_status, name="document-ingestion"),
    path("documents/<int:pk>/dataset/", views.document_dataset, name="document-dataset"),
    path("documents/<int:pk>/text/", views.document_text, name="document-text"),
    path("documents/<int:pk>/personal-data/", views.personal_data,
         name="document-personal-data"),
    path("search/", views.search_page, name="search"),
]
