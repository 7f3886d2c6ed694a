from django.urls import path

from . import views

urlpatterns = [
    path("notifications/unsubscribe/<str:signed>/", views.unsubscribe_view,
         name="notifications-unsubscribe"),
]
