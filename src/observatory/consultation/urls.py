from django.urls import path

from . import views

urlpatterns = [
    path("consultations/", views.study_list, name="delphi-list"),
    path("consultations/new/", views.study_create, name="delphi-create"),
    path("consultations/import/", views.study_import, name="delphi-import"),
    path("consultations/<int:study_id>/", views.study_detail, name="delphi-study"),
    path("consultations/<int:study_id>/rule/", views.study_rule, name="delphi-rule"),
    path("consultations/<int:study_id>/sections/", views.section_add, name="delphi-section-add"),
    path("consultations/<int:study_id>/statements/", views.statement_add,
         name="delphi-statement-add"),
    path("consultations/<int:study_id>/statements/<int:version_id>/", views.statement_edit,
         name="delphi-statement-edit"),
    path("consultations/<int:study_id>/rounds/next/", views.round_next, name="delphi-round-next"),
    path("consultations/<int:study_id>/rounds/<int:number>/<str:action>/", views.round_action,
         name="delphi-round-action"),
    path("consultations/<int:study_id>/participants/", views.participants,
         name="delphi-participants"),
    path("consultations/<int:study_id>/participants/<int:participant_id>/revoke/",
         views.participant_revoke, name="delphi-revoke"),
    path("consultations/<int:study_id>/results/", views.results, name="delphi-results"),
    path("consultations/<int:study_id>/results.<str:fmt>", views.export, name="delphi-export"),
    path("delphi/<str:token>/", views.take, name="delphi-take"),
]
