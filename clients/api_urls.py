from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import ClientDocumentViewSet, ClientViewSet, OnboardingCaseViewSet
from .service_api import ActivityViewSet, CalendarFeedView, ClientTimelineView, FollowUpViewSet

router = DefaultRouter()
router.register("onboarding-cases", OnboardingCaseViewSet, basename="onboarding-case")
router.register("documents", ClientDocumentViewSet, basename="client-document")
router.register("activities", ActivityViewSet, basename="client-activity")
router.register("follow-ups", FollowUpViewSet, basename="client-follow-up")
router.register("", ClientViewSet, basename="client")
urlpatterns = [
    path("<int:pk>/timeline/", ClientTimelineView.as_view(), name="client-timeline"),
    path("calendar-feed/", CalendarFeedView.as_view(), name="client-calendar-feed"),
    *router.urls,
]
