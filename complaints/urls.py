from django.urls import path

from . import feedback_views, intake_views, views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/action/", views.complaint_action, name="action"),
    path("<int:pk>/reply/", views.complaint_reply_view, name="reply"),
    path("<int:pk>/reassign/", views.complaint_reassign_view, name="reassign"),
    path("<int:pk>/priority/", views.complaint_priority_view, name="priority"),
    path("<int:pk>/resolve/", views.complaint_resolve_view, name="resolve"),
    path("<int:pk>/violation/", views.violation_open_view, name="violation_open"),
    path("intake/", intake_views.intake_list, name="intake_list"),
    path("intake/<int:pk>/", intake_views.intake_detail, name="intake_detail"),
    path("intake/<int:pk>/link/", intake_views.intake_link, name="intake_link"),
    path("intake/<int:pk>/dismiss/", intake_views.intake_dismiss, name="intake_dismiss"),
    path("intake/<int:pk>/original/", intake_views.intake_original, name="intake_original"),
    path("violations/", views.violation_list, name="violation_list"),
    path("violations/<int:pk>/", views.violation_detail, name="violation_detail"),
    path("digests/", views.digest_list, name="digest_list"),
    path("digests/<int:pk>/", views.digest_detail, name="digest_detail"),
    path("return-visits/", feedback_views.return_visit_list, name="return_visit_list"),
    path("return-visits/<int:pk>/", feedback_views.return_visit_detail, name="return_visit_detail"),
    path(
        "return-visits/<int:pk>/reassign/",
        feedback_views.return_visit_manage,
        {"action": "reassign"},
        name="return_visit_reassign",
    ),
    path(
        "return-visits/<int:pk>/cancel/",
        feedback_views.return_visit_manage,
        {"action": "cancel"},
        name="return_visit_cancel",
    ),
    path("surveys/", feedback_views.survey_results, name="survey_results"),
    path("suggestions/", feedback_views.suggestion_list, name="suggestion_list"),
    path("suggestions/<int:pk>/", feedback_views.suggestion_detail, name="suggestion_detail"),
]
