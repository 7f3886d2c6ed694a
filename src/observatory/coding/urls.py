from django.urls import path

from . import views

urlpatterns = [
    path("coding/", views.coding_home, name="coding-home"),
    path("coding/codebooks/import/", views.codebook_import, name="codebook-import"),
    path("coding/codebooks/<slug:key>/", views.codebook_detail, name="codebook-detail"),
    path("coding/codebooks/<slug:key>/export/", views.codebook_export, name="codebook-export"),
    path("coding/documents/<int:pk>/", views.workbench, name="coding-workbench"),
    path("coding/documents/<int:pk>/compare/", views.comparison, name="coding-compare"),
    path("coding/export/", views.export, name="coding-export"),
    path("coding/reviews/<str:reference>/", views.review_coding, name="coding-review"),
]
