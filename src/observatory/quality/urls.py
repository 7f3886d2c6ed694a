from django.urls import path

from . import views

urlpatterns = [
    path("quality-markers/", views.marker_list, name="quality-markers"),
    path("quality-markers/learning/", views.learning_page, name="quality-learning"),
    path("quality-markers/<int:number>/", views.marker_detail, name="quality-marker"),
    path("reviews/<str:reference>/quality/", views.dialogue_home, name="quality-dialogue"),
    path("reviews/<str:reference>/quality/participants/", views.participants,
         name="quality-participants"),
    path("reviews/<str:reference>/quality/timeline/", views.timeline_page,
         name="quality-timeline"),
    path("reviews/<str:reference>/quality/summary.<str:fmt>", views.summary,
         name="quality-summary"),
    path("reviews/<str:reference>/quality/entries/<int:entry_id>/comments/",
         views.comment_add, name="quality-comment"),
    path("reviews/<str:reference>/quality/<str:stage>/<int:number>/", views.stage_marker,
         name="quality-stage"),
    path("reviews/<str:reference>/quality/<str:stage>/<int:number>/evidence/",
         views.evidence_add, name="quality-evidence"),
    path("reviews/<str:reference>/quality/<str:stage>/<int:number>/next-steps/",
         views.next_step_add, name="quality-next-step"),
]
