from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("questionnaires", api.QuestionnaireViewSet, basename="risk-questionnaire")
router.register("assessments", api.AssessmentViewSet, basename="risk-assessment")
router.register("products", api.ProductViewSet, basename="risk-product")
router.register("exceptions", api.ExceptionViewSet, basename="risk-exception")
router.register("register", api.RiskViewSet, basename="risk-register")
router.register("life-events", api.LifeEventViewSet, basename="risk-life-event")
router.register("rating-assessments", api.RatingAssessmentViewSet, basename="risk-rating-assessment")
urlpatterns = [path("suitability/", api.SuitabilityView.as_view(), name="risk-suitability"), *router.urls]
