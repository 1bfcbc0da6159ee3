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

router = DefaultRouter()
router.register("onboarding-cases", OnboardingCaseViewSet, basename="onboarding-case")
router.register("documents", ClientDocumentViewSet, basename="client-document")
router.register("identity-documents", IdentityDocumentViewSet, basename="identity-document")
router.register("kyc-refreshes", KycRefreshViewSet, basename="kyc-refresh")
router.register("due-diligence", DueDiligenceViewSet, basename="due-diligence")
router.register("screening-hits", ScreeningHitViewSet, basename="screening-hit")
router.register("watch-lists", WatchListViewSet, basename="watch-list")
router.register("watch-list-uploads", WatchListUploadViewSet, basename="watch-list-upload")
router.register("", ClientViewSet, basename="client")
urlpatterns = router.urls
