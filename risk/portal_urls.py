from django.urls import path

from . import portal_views

app_name = "risk_portal"
urlpatterns = [
    path("", portal_views.questionnaire, name="questionnaire"),
    path("assessments/<int:pk>/", portal_views.result, name="result"),
    path("exceptions/<int:pk>/", portal_views.exception_confirm, name="exception_confirm"),
]
