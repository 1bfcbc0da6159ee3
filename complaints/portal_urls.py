from django.urls import path

from . import feedback_views, views

app_name = "complaints_portal"
urlpatterns = [
    path("", views.portal_list, name="list"),
    path("new/", views.portal_create, name="create"),
    path("<int:pk>/", views.portal_detail, name="detail"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.portal_attachment_download, name="attachment"),
    path("<int:pk>/reply/", views.portal_reply, name="reply"),
    path("<int:pk>/confirm/", views.portal_confirm, name="confirm"),
    path("<int:pk>/survey/", views.portal_survey, name="survey"),
    path("<int:pk>/letters/<int:document_id>/", views.portal_letter_download, name="letter_download"),
    path("surveys/", feedback_views.portal_survey_list, name="survey_list"),
    path("surveys/<int:pk>/", feedback_views.portal_survey_answer, name="survey_answer"),
    path("suggestions/", feedback_views.portal_suggestion_list, name="suggestion_list"),
    path("suggestions/new/", feedback_views.portal_suggestion_create, name="suggestion_create"),
    path("suggestions/<int:pk>/", feedback_views.portal_suggestion_detail, name="suggestion_detail"),
]
