from django.urls import path

from . import kyc_views, views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/reassign/", views.client_reassign, name="reassign"),
    path("<int:pk>/reveal/", views.client_reveal, name="reveal"),
    path("<int:pk>/end/", views.client_end_relationship, name="end_relationship"),
    path("<int:pk>/end/backdate/", views.client_backdate_decide, name="backdate_decide"),
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
    # know your client (issue 15)
    path("<int:pk>/identity/new/", kyc_views.identity_document_add, name="identity_document_add"),
    path("<int:pk>/kyc-refresh/start/", kyc_views.kyc_refresh_start, name="kyc_refresh_start"),
    path("kyc-refresh/<int:pk>/", kyc_views.kyc_refresh_detail, name="kyc_refresh"),
    path("kyc-refresh/<int:pk>/submit/", kyc_views.kyc_refresh_submit, name="kyc_refresh_submit"),
    path("kyc-refresh/<int:pk>/review/", kyc_views.kyc_refresh_review, name="kyc_refresh_review"),
    path("onboarding/<int:pk>/due-diligence/", kyc_views.onboarding_due_diligence, name="due_diligence"),
    path("onboarding/<int:pk>/due-diligence/enhanced/", kyc_views.onboarding_edd_review, name="edd_review"),
    path("screening/", kyc_views.screening_queue, name="screening_queue"),
    path("screening/<int:pk>/", kyc_views.screening_hit_detail, name="screening_hit"),
    path("watch-lists/", kyc_views.watch_lists, name="watch_lists"),
    path("watch-lists/upload/", kyc_views.watch_list_upload, name="watch_list_upload"),
    path("watch-lists/import/", kyc_views.watch_list_import, name="watch_list_import"),
]
