from django.urls import path

from . import views

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
]
