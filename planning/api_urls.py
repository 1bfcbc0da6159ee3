from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("snapshots", api.SnapshotViewSet, basename="planning-snapshot")
router.register("goals", api.GoalViewSet, basename="planning-goal")
router.register("model-portfolios", api.ModelPortfolioViewSet, basename="planning-model-portfolio")
router.register("proposals", api.ProposalViewSet, basename="planning-proposal")
router.register("documents", api.DocumentViewSet, basename="planning-document")
router.register("reviews", api.ReviewViewSet, basename="planning-review")
urlpatterns = router.urls
