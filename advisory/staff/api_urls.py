from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("conduct", api.ConductViewSet, basename="staff-conduct")
router.register("training-plans", api.TrainingPlanViewSet, basename="staff-training-plan")
router.register("appraisals", api.AppraisalViewSet, basename="staff-appraisal")
router.register("restrictions", api.RestrictionViewSet, basename="staff-restriction")
router.register("declarations", api.DeclarationViewSet, basename="staff-declaration")
router.register("audits", api.InternalAuditViewSet, basename="staff-audit")
router.register("findings", api.FindingViewSet, basename="staff-finding")
router.register("evaluations", api.EvaluationViewSet, basename="staff-evaluation")
router.register("figures", api.StaffFiguresViewSet, basename="staff-figures")
urlpatterns = router.urls
