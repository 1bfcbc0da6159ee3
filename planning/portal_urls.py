from django.urls import path

from . import views

app_name = "planning_portal"
urlpatterns = [
    path("", views.portal_proposal_list, name="proposal_list"),
    path("proposals/<int:pk>/", views.portal_proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/documents/", views.portal_document_request, name="document_request"),
    path("documents/", views.portal_documents, name="documents"),
    path("documents/<int:pk>/status/", views.document_status, name="document_status"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
