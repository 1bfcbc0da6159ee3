from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.browser, name="browser"),
    path("entries/<int:sequence>/", views.entry_detail, name="entry_detail"),
    path("clients/<int:client_id>/", views.client_timeline, name="client_timeline"),
    path("as-of/", views.as_of, name="as_of"),
    path("as-of/reveal/", views.as_of_reveal, name="as_of_reveal"),
    path("verify/", views.verify, name="verify"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("exports/pdf/", views.export_pdf, name="export_pdf"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("retention/", views.retention, name="retention"),
    path("retention/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("retention/holds/new/", views.hold_create, name="hold_create"),
    path("retention/holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("retention/batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("retention/batches/<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("retention/batches/propose/", views.batch_propose, name="batch_propose"),
]
