from rest_framework.routers import DefaultRouter

from .api import ComplaintViewSet, ConductDigestViewSet, ViolationViewSet

router = DefaultRouter()
router.register("violations", ViolationViewSet, basename="complaint-violation")
router.register("digests", ConductDigestViewSet, basename="complaint-digest")
router.register("", ComplaintViewSet, basename="complaint")
urlpatterns = router.urls
