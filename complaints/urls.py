from django.urls import path

from . import feedback_views, views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/action/", views.complaint_action, name="action"),
    path("<int:pk>/reply/", views.complaint_reply_view, name="reply"),
    path("<int:pk>/reassign/", views.complaint_reassign_view, name="reassign"),
    path("<int:pk>/priority/", views.complaint_priority_view, name="priority"),
    path("<int:pk>/resolve/", views.complaint_resolve_view, name="resolve"),
    path("<int:pk>/violation/", views.violation_open_view, name="violation_open"),
    path("violations/", views.violation_list, name="violation_list"),
    path("violations/<int:pk>/", views.violation_detail, name="violation_detail"),
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
