from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import ClientDocumentViewSet, ClientViewSet, OnboardingCaseViewSet
from .kyc_api import (
    DueDiligenceViewSet,
    IdentityDocumentViewSet,
    KycRefreshViewSet,
    ScreeningHitViewSet,
    WatchListUploadViewSet,
    WatchListViewSet,
)
from .service_api import ActivityViewSet, CalendarFeedView, ClientTimelineView, FollowUpViewSet

router = DefaultRouter()
router.register("onboarding-cases", OnboardingCaseViewSet, basename="onboarding-case")
router.register("documents", ClientDocumentViewSet, basename="client-document")
router.register("identity-documents", IdentityDocumentViewSet, basename="identity-document")
router.register("kyc-refreshes", KycRefreshViewSet, basename="kyc-refresh")
router.register("due-diligence", DueDiligenceViewSet, basename="due-diligence")
router.register("screening-hits", ScreeningHitViewSet, basename="screening-hit")
router.register("watch-lists", WatchListViewSet, basename="watch-list")
router.register("watch-list-uploads", WatchListUploadViewSet, basename="watch-list-upload")
router.register("activities", ActivityViewSet, basename="client-activity")
router.register("follow-ups", FollowUpViewSet, basename="client-follow-up")
router.register("", ClientViewSet, basename="client")
urlpatterns = [
    path("<int:pk>/timeline/", ClientTimelineView.as_view(), name="client-timeline"),
    path("calendar-feed/", CalendarFeedView.as_view(), name="client-calendar-feed"),
    *router.urls,
]
