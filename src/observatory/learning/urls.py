from django.urls import path

from . import feeds, views

urlpatterns = [
    path("learning/", views.index, name="learning-index"),
    path("learning/topics/<slug:key>/", views.topic, name="learning-topic"),
    path("learning/findings/", views.findings, name="learning-findings"),
    path("learning/findings/<int:pk>/", views.finding, name="learning-finding"),
    path("learning/briefings/<slug:slug>/", views.briefing, name="learning-briefing"),
    path("learning/briefings/<slug:slug>/pdf/", views.briefing_pdf, name="learning-briefing-pdf"),
    path("learning/feeds/briefings/", feeds.BriefingFeed(), name="learning-feed-briefings"),
    path("learning/feeds/findings/", feeds.FindingFeed(), name="learning-feed-findings"),
    path("learning/topics/<slug:key>/feeds/briefings/", feeds.BriefingFeed(),
         name="learning-topic-feed-briefings"),
    path("learning/topics/<slug:key>/feeds/findings/", feeds.FindingFeed(),
         name="learning-topic-feed-findings"),
    path("learning/manage/", views.manage, name="learning-manage"),
    path("learning/manage/draft/", views.draft, name="learning-draft"),
    path("learning/manage/briefings/<slug:slug>/", views.manage_briefing,
         name="learning-manage-briefing"),
    path("learning/manage/briefings/<slug:slug>/approve/", views.approve,
         name="learning-approve"),
    path("learning/manage/briefings/<slug:slug>/withdraw/", views.withdraw,
         name="learning-withdraw"),
    path("learning/manage/findings/<int:pk>/publish/", views.publish_finding,
         name="learning-publish-finding"),
    path("learning/manage/published-findings/<int:pk>/withdraw/", views.withdraw_finding,
         name="learning-withdraw-finding"),
]
