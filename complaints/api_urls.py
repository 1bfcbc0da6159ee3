from rest_framework.routers import DefaultRouter

from .api import ComplaintViewSet, ConductDigestViewSet, ViolationViewSet
from .feedback_api import ReturnVisitViewSet, SuggestionViewSet, SurveyViewSet
from .intake_api import InboundEmailViewSet

router = DefaultRouter()
router.register("intake", InboundEmailViewSet, basename="complaint-intake")
router.register("violations", ViolationViewSet, basename="complaint-violation")
router.register("digests", ConductDigestViewSet, basename="complaint-digest")
router.register("return-visits", ReturnVisitViewSet, basename="return-visit")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("suggestions", SuggestionViewSet, basename="suggestion")
router.register("", ComplaintViewSet, basename="complaint")
urlpatterns = router.urls
