from rest_framework.routers import DefaultRouter

from .api import ImportBatchViewSet

router = DefaultRouter()
router.register("batches", ImportBatchViewSet, basename="import-batch")
urlpatterns = router.urls
