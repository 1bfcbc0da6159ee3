from rest_framework.routers import DefaultRouter

from .feedback_api import ReturnVisitViewSet, SuggestionViewSet, SurveyViewSet
from .api import ComplaintViewSet, ViolationViewSet

router = DefaultRouter()
router.register("violations", ViolationViewSet, basename="complaint-violation")
router.register("return-visits", ReturnVisitViewSet, basename="return-visit")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("suggestions", SuggestionViewSet, basename="suggestion")
router.register("", ComplaintViewSet, basename="complaint")
urlpatterns = router.urls
