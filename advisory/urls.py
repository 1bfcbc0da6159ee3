from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token

from . import views
from .health import HealthView

admin.site.site_header = settings.FIRM_NAME
admin.site.site_title = settings.FIRM_NAME

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("clients/", include("clients.api_urls")),
    path("risk/", include("risk.api_urls")),
    path("planning/", include("planning.api_urls")),
    path("complaints/", include("complaints.api_urls")),
    path("audit/", include("audit.api_urls")),
    path("oversight/", include("advisory.oversight.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.profile, name="profile"),
    path("account/2fa/setup/", views.otp_setup, name="otp-setup"),
    path("account/2fa/verify/", views.otp_verify, name="otp-verify"),
    path("account/notifications/", views.notifications, name="notifications"),
    path("account/notifications/read/", views.notifications_mark_read, name="notifications-read"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("app/", include("advisory.oversight.urls")),
    path("app/oversight/", include("advisory.oversight.app_urls")),
    path("app/clients/", include("clients.urls")),
    path("app/risk/", include("risk.urls")),
    path("app/planning/", include("planning.urls")),
    path("app/complaints/", include("complaints.urls")),
    path("app/audit/", include("audit.urls")),
    path("portal/", include("advisory.oversight.portal_urls")),
    path("portal/profile/", include("clients.portal_urls")),
    path("portal/risk/", include("risk.portal_urls")),
    path("portal/planning/", include("planning.portal_urls")),
    path("portal/complaints/", include("complaints.portal_urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "health/",
        HealthView.as_view(
            checks=["health_check.checks.Database", "health_check.checks.Cache", "advisory.health.Broker"]
        ),
        name="health",
    ),
]

handler400 = "advisory.hostile.bad_request"
handler403 = "advisory.hostile.permission_denied"
handler404 = "advisory.hostile.page_not_found"
handler500 = "advisory.hostile.server_error"

if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
