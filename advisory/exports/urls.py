from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/download/", views.job_download, name="job_download"),
    path("<str:name>.<str:fmt>", views.download, name="download"),
]
