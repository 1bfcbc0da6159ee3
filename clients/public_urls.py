"""URLs outside the workspace: the secret calendar feed (the token is the key)."""

from django.urls import path

from . import service_views

urlpatterns = [path("calendar/<str:token>.ics", service_views.calendar_feed, name="calendar_feed")]
