from django.urls import path

from . import views

urlpatterns = [
    path("passages/<int:pk>/similar/", views.passage_similar, name="passage-similar"),
    path("documents/<int:pk>/semantic/", views.document_semantic, name="document-semantic"),
]
