from django.urls import path

from . import service_views, views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/reassign/", views.client_reassign, name="reassign"),
    path("<int:pk>/reveal/", views.client_reveal, name="reveal"),
    path("<int:pk>/end/", views.client_end_relationship, name="end_relationship"),
    path("<int:pk>/agreement/", views.agreement_edit, name="agreement"),
    path("<int:pk>/consents/", views.consent_record, name="consent"),
    path("<int:pk>/related/", views.related_party_add, name="related_party_add"),
    path("<int:pk>/related/<int:party_pk>/end/", views.related_party_end, name="related_party_end"),
    path("<int:pk>/documents/upload/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("onboarding/", views.onboarding_list, name="onboarding_list"),
    path("<int:pk>/onboarding/start/", views.onboarding_start, name="onboarding_start"),
    path("onboarding/<int:pk>/", views.onboarding_detail, name="onboarding_detail"),
    path("onboarding/<int:pk>/transition/", views.onboarding_transition, name="onboarding_transition"),
    path("onboarding/<int:pk>/special/", views.onboarding_flag_special, name="onboarding_flag_special"),
    # the service record (clients/service_views.py)
    path("activities/", service_views.activity_list, name="activity_list"),
    path("<int:pk>/activities/new/", service_views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", service_views.activity_detail, name="activity_detail"),
    path(
        "activities/<int:pk>/complete/",
        service_views.activity_transition,
        {"action": "complete"},
        name="activity_complete",
    ),
    path(
        "activities/<int:pk>/cancel/",
        service_views.activity_transition,
        {"action": "cancel"},
        name="activity_cancel",
    ),
    path("activities/<int:pk>/attach/", service_views.activity_attach, name="activity_attach"),
    path("follow-ups/", service_views.follow_up_list, name="follow_up_list"),
    path("<int:pk>/follow-ups/new/", service_views.follow_up_create, name="follow_up_create"),
    path("follow-ups/<int:pk>/", service_views.follow_up_transition, name="follow_up_transition"),
    path("<int:pk>/timeline/", service_views.timeline, name="timeline"),
    path("calendar/", service_views.calendar_settings, name="calendar_settings"),
]
