from django.urls import path

from . import oversight_views as views

app_name = "oversight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.csv", views.dashboard_export, name="dashboard_export"),
    path("indicators/<slug:code>/", views.indicator_detail, name="indicator_detail"),
    path("targets/", views.targets, name="targets"),
    path("warnings/", views.warnings, name="warnings"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/qualifications/add/", views.qualification_add, name="qualification_add"),
    path("qualifications/<int:pk>/edit/", views.qualification_edit, name="qualification_edit"),
    path("staff/<int:pk>/training/add/", views.training_add, name="training_add"),
    path("training/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/add/", views.action_add, name="action_add"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/generate/", views.report_generate, name="report_generate"),
    path("reports/<int:pk>/status/", views.report_status, name="report_status"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
]
