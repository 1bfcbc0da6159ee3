from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("indicators", api.IndicatorViewSet, basename="indicator")
router.register("targets", api.TargetViewSet, basename="target")
router.register("warnings", api.WarningViewSet, basename="warning")
router.register("staff", api.StaffViewSet, basename="staff")
router.register("qualifications", api.QualificationViewSet, basename="qualification")
router.register("training", api.TrainingViewSet, basename="training")
router.register("actions", api.ActionViewSet, basename="action")
router.register("reports", api.ReportViewSet, basename="report")
urlpatterns = router.urls
