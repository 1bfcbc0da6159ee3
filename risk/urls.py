from django.urls import path

from . import views

app_name = "risk"
urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/versions/<int:pk>/", views.questionnaire_detail, name="questionnaire_detail"),
    path(
        "questionnaires/versions/<int:pk>/new-version/",
        views.questionnaire_new_version,
        name="questionnaire_new_version",
    ),
    path(
        "questionnaires/versions/<int:pk>/publish/", views.questionnaire_publish, name="questionnaire_publish"
    ),
    path("questionnaires/versions/<int:pk>/questions/new/", views.question_edit, name="question_new"),
    path(
        "questionnaires/versions/<int:pk>/questions/<slug:code>/", views.question_edit, name="question_edit"
    ),
    path(
        "questionnaires/versions/<int:pk>/questions/<slug:code>/remove/",
        views.question_remove,
        name="question_remove",
    ),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("clients/<int:client_pk>/assess/", views.assessment_new, name="assessment_new"),
    path("clients/<int:client_pk>/exceptions/new/", views.exception_new, name="exception_new"),
    path("clients/<int:client_pk>/professional/new/", views.professional_new, name="professional_new"),
    path("professional/<int:pk>/evidence/", views.professional_evidence, name="professional_evidence"),
    path("products/", views.product_list, name="product_list"),
    path("clients/<int:client_pk>/life-events/new/", views.life_event_new, name="life_event_new"),
    path("ratings/", views.rating_list, name="rating_list"),
    path("ratings/<int:pk>/", views.rating_detail, name="rating_detail"),
    path("products/<int:product_pk>/rating/new/", views.rating_new, name="rating_new"),
    path("exceptions/", views.exception_list, name="exception_list"),
    path("exceptions/<int:pk>/", views.exception_detail, name="exception_detail"),
    path("register/", views.register, name="register"),
    path("register/new/", views.register_edit, name="register_new"),
    path("register/<int:pk>/", views.register_detail, name="register_detail"),
    path("register/<int:pk>/edit/", views.register_edit, name="register_edit"),
    path("register/<int:pk>/review/", views.register_review, name="register_review"),
]
