from django.urls import path

from . import views

urlpatterns = [
    path("reviews/", views.review_list, name="review-list"),
    path("reviews/new/", views.review_create, name="review-create"),
    path("reviews/<str:reference>/", views.review_detail, name="review-detail"),
    path("reviews/<str:reference>/edit/", views.review_edit, name="review-edit"),
    path("reviews/<str:reference>/publication/", views.review_publication,
         name="review-publication"),
    path("reviews/<str:reference>/upload/", views.review_upload, name="review-upload"),
    path("reviews/<str:reference>/delete/", views.review_delete, name="review-delete"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document-delete"),
    path("documents/<int:pk>/", views.document_detail, name="document-detail"),
    path("documents/<int:pk>/download/", views.document_download, name="document-download"),
    path("documents/<int:pk>/current/", views.document_current, name="document-current"),
    path("documents/<int:pk>/recommendations/", views.document_recommendations_role,
         name="document-recommendations-role"),
    path("documents/<int:pk>/versions/new/", views.document_new_version,
         name="document-new-version"),
]
