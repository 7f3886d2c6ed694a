from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("lists/", views.vocabulary_list, name="vocabulary-list"),
    path("audit/", views.audit_list, name="audit-list"),
    path("account/history/", views.my_history, name="my-history"),
    path("account/two-factor/", views.two_factor, name="two-factor"),
    # Browsers ask for /favicon.ico whatever the page says (e.g. for a PDF or JSON tab).
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.ico"), permanent=True)),
]
