from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("entries", api.AuditEntryViewSet, basename="audit-entry")
router.register("exports", api.ExportViewSet, basename="audit-export")
router.register("holds", api.HoldViewSet, basename="audit-hold")
router.register("retention-rules", api.RetentionRuleViewSet, basename="audit-retention-rule")
router.register("disposal-batches", api.DisposalBatchViewSet, basename="audit-disposal-batch")

urlpatterns = [
    path("verify/", api.VerifyView.as_view(), name="audit-verify"),
    path("as-of/", api.AsOfView.as_view(), name="audit-as-of"),
    path("as-of/reveal/", api.AsOfRevealView.as_view(), name="audit-as-of-reveal"),
    path("clients/<int:client_id>/history/", api.ClientHistoryView.as_view(), name="audit-client-history"),
    *router.urls,
]
