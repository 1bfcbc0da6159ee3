from django.urls import path

from . import views

app_name = "staff"
urlpatterns = [
    path("", views.conduct_list, name="list"),
    path("me/", views.my_conduct, name="my_conduct"),
    path("<int:pk>/", views.member_detail, name="member"),
    path("<int:pk>/appraisal/", views.appraisal_add, name="appraisal_add"),
    path("restrictions/<int:pk>/lift/", views.restriction_lift, name="restriction_lift"),
    path("plans/", views.plan_list, name="plans"),
    path("declarations/", views.declaration_list, name="declaration_list"),
    path("declarations/new/", views.declaration_add, name="declaration_add"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration_detail"),
    path("audits/", views.audit_list, name="audit_list"),
    path("audits/new/", views.audit_add, name="audit_add"),
    path("audits/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("evaluations/new/", views.evaluation_add, name="evaluation_add"),
]
