from django.urls import path

from . import views

app_name = "clients_portal"
urlpatterns = [
    path("", views.portal_profile, name="profile"),
    path("consents/", views.portal_consent, name="consent"),
    path("documents/<int:pk>/", views.portal_document_download, name="document_download"),
]
