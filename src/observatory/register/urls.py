from django.urls import path

from . import views

urlpatterns = [
    path("reviews/<str:reference>/register/", views.review_register, name="register-review"),
    path("reviews/<str:reference>/register/plan/", views.plan_start, name="register-plan"),
    path("reviews/<str:reference>/register/confirm/", views.confirm, name="register-confirm"),
    path("reviews/<str:reference>/register/new/", views.type_in, name="register-new"),
    path("reviews/<str:reference>/register/merge/", views.merge, name="register-merge"),
    path("reviews/<str:reference>/register/import/", views.import_plan, name="register-import"),
    path("reviews/<str:reference>/action-plan.<str:fmt>", views.export, name="register-export"),
    path("register/<int:entry_id>/", views.entry_detail, name="register-entry"),
    path("register/<int:entry_id>/similar/", views.entry_similar, name="register-similar"),
    path("register/<int:entry_id>/correct/", views.entry_correct, name="register-correct"),
    path("register/<int:entry_id>/split/", views.entry_split, name="register-split"),
    path("register/<int:entry_id>/appraise/", views.entry_appraise, name="register-appraise"),
    path("register/<int:entry_id>/actions/", views.action_add, name="register-action-add"),
    path("actions/<int:action_id>/", views.action_detail, name="register-action"),
    path("actions/<int:action_id>/edit/", views.action_edit, name="register-action-edit"),
    path("actions/<int:action_id>/status/", views.action_status, name="register-action-status"),
    path("actions/<int:action_id>/update/", views.action_update, name="register-action-update"),
    path("actions/<int:action_id>/evidence/", views.action_evidence,
         name="register-action-evidence"),
    path("action-plans/", views.plans_dashboard, name="register-dashboard"),
]
