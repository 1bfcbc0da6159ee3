"""A minimal API with a DELETE endpoint on a retained model, to prove the API path is guarded."""

from rest_framework import routers, serializers, viewsets

from audit.models import AuditExport


class _ExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditExport
        fields = ["id", "format"]


class _ExportViewSet(viewsets.ModelViewSet):
    queryset = AuditExport.objects.all()
    serializer_class = _ExportSerializer
    permission_classes = []


router = routers.SimpleRouter()
router.register("exports", _ExportViewSet)
urlpatterns = router.urls
