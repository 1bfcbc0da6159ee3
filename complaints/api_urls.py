from rest_framework.routers import DefaultRouter

from .api import ComplaintViewSet, ViolationViewSet

router = DefaultRouter()
router.register("violations", ViolationViewSet, basename="complaint-violation")
router.register("", ComplaintViewSet, basename="complaint")
urlpatterns = router.urls
