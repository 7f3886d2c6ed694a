from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("observatory.web.urls")),
    path("", include("observatory.repository.urls")),
    path("", include("observatory.ingestion.urls")),
    path("", include("observatory.semantic.urls")),
    path("", include("observatory.consultation.urls")),
    path("", include("observatory.coding.urls")),
    path("", include("observatory.analysis.urls")),
    path("", include("observatory.operations.urls")),
    path("", include("observatory.register.urls")),
    path("", include("observatory.notifications.urls")),
    path("", include("observatory.quality.urls")),
    path("", include("observatory.research.urls")),
    path("", include("observatory.learning.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler404 = "observatory.web.handlers.not_found"
handler403 = "observatory.web.handlers.forbidden"
handler400 = "observatory.web.handlers.bad_request"
handler500 = "observatory.web.handlers.server_error"
