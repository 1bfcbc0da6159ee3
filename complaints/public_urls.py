"""URLs outside the portal: the signed, single-use survey link sent by email."""

from django.urls import path

from . import feedback_views

urlpatterns = [path("survey/<str:token>/", feedback_views.survey_link, name="survey_link")]
