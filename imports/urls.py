from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.batch_list, name="list"),
    path("upload/", views.batch_upload, name="upload"),
    path("templates/<str:kind>.<str:fmt>", views.template_download, name="template"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/progress/", views.batch_progress, name="progress"),
    path("<int:pk>/confirm/", views.batch_confirm, name="confirm"),
    path("<int:pk>/cancel/", views.batch_cancel, name="cancel"),
]
