from django.urls import path

from . import views

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
    path("digests/", views.digest_list, name="digest_list"),
    path("digests/<int:pk>/", views.digest_detail, name="digest_detail"),
]
