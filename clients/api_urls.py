from rest_framework.routers import DefaultRouter

from .api import ClientDocumentViewSet, ClientViewSet, OnboardingCaseViewSet

router = DefaultRouter()
router.register("onboarding-cases", OnboardingCaseViewSet, basename="onboarding-case")
router.register("documents", ClientDocumentViewSet, basename="client-document")
router.register("", ClientViewSet, basename="client")
urlpatterns = router.urls
