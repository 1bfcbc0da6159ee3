from rest_framework.routers import DefaultRouter

from .api import ExportJobViewSet, ExportListViewSet

router = DefaultRouter()
router.register("lists", ExportListViewSet, basename="export-lists")
router.register("jobs", ExportJobViewSet, basename="export-jobs")

urlpatterns = router.urls
