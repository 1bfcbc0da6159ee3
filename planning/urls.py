from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.proposal_list, name="proposal_list"),
    path("proposals/new/<int:client_id>/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/do/<slug:action>/", views.proposal_transition, name="proposal_transition"),
    path("proposals/<int:pk>/holdings/", views.plan_holdings, name="plan_holdings"),
    path("proposals/<int:pk>/documents/", views.proposal_document_request, name="proposal_document_request"),
    path("documents/<int:pk>/status/", views.document_status, name="document_status"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("clients/<int:client_id>/", views.client_plan, name="client_plan"),
    path("clients/<int:client_id>/snapshots/new/", views.snapshot_create, name="snapshot_create"),
    path("clients/<int:client_id>/goals/new/", views.goal_edit, name="goal_create"),
    path("clients/<int:client_id>/goals/<int:pk>/", views.goal_edit, name="goal_edit"),
    path("model-portfolios/", views.model_portfolio_list, name="model_portfolio_list"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
]
