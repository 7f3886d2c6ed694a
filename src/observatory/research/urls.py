from django.urls import path

from . import views

urlpatterns = [
    path("research/", views.index, name="research"),
    path("research/apply/", views.apply, name="research-apply"),
    path("research/applications/<int:application_id>/", views.application_detail,
         name="research-application"),
    path("research/applications/<int:application_id>/change/", views.apply,
         name="research-resubmit"),
    path("research/applications/<int:application_id>/evidence/", views.evidence_download,
         name="research-evidence"),
    *[path(f"research/applications/<int:application_id>/{action}/",
           views.application_action, {"action": action}, name=f"research-{action}")
      for action in ("comment", "return", "approve", "refuse")],
    path("research/grants/<int:grant_id>/", views.grant_detail, name="research-grant"),
    path("research/grants/<int:grant_id>/revoke/", views.revoke, name="research-revoke"),
    path("research/grants/<int:grant_id>/results/", views.output_upload,
         name="research-output-upload"),
    path("research/extracts/<str:token>/", views.extract_download, name="research-extract"),
    path("research/results/<int:output_id>/", views.output_detail, name="research-output"),
    path("research/results/<int:output_id>/download/", views.output_download,
         name="research-output-download"),
    *[path(f"research/results/<int:output_id>/{action}/", views.output_action,
           {"action": action}, name=f"research-output-{action}")
      for action in ("exception", "release", "withhold")],
]
