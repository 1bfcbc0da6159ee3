from rest_framework.routers import DefaultRouter

from .api import ComplaintViewSet, ViolationViewSet
from .feedback_api import ReturnVisitViewSet, SuggestionViewSet, SurveyViewSet

router = DefaultRouter()
router.register("violations", ViolationViewSet, basename="complaint-violation")
router.register("return-visits", ReturnVisitViewSet, basename="return-visit")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("suggestions", SuggestionViewSet, basename="suggestion")
router.register("", ComplaintViewSet, basename="complaint")
urlpatterns = router.urls
