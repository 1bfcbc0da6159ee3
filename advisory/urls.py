from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import account_api, password_views, views
from .api_index import ApiIndexView
from .health import HealthView
from .oversight.metrics import metrics_view

admin.site.site_header = settings.FIRM_NAME
admin.site.site_title = settings.FIRM_NAME

auth_router = DefaultRouter()
auth_router.register("tokens", account_api.TokenViewSet, basename="api-tokens")

api_v1 = [
    path("", ApiIndexView.as_view(), name="api-index"),
    path("auth/token/", account_api.ObtainTokenView.as_view(), name="api-token"),
    path("auth/", include(auth_router.urls)),
    path("clients/", include("clients.api_urls")),
    path("risk/", include("risk.api_urls")),
    path("planning/", include("planning.api_urls")),
    path("complaints/", include("complaints.api_urls")),
    path("audit/", include("audit.api_urls")),
    path("oversight/", include("advisory.oversight.api_urls")),
    path("staff/", include("advisory.staff.api_urls")),
    path("exports/", include("advisory.exports.api_urls")),
    path("imports/", include("imports.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.profile, name="profile"),
    path("account/2fa/setup/", views.otp_setup, name="otp-setup"),
    path("account/2fa/verify/", views.otp_verify, name="otp-verify"),
    path("account/2fa/recovery/", views.otp_recovery, name="otp-recovery"),
    path("account/tokens/", views.token_list, name="account-tokens"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="account-token-revoke"),
    path("account/password/", password_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/", password_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("account/password/reset/", password_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "account/password/reset/sent/",
        password_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "account/reset/<uidb64>/<token>/",
        password_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/reset/done/",
        password_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
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
    path("app/staff/", include("advisory.staff.urls")),
    path("app/exports/", include("advisory.exports.urls")),
    path("app/imports/", include("imports.urls")),
    path("portal/", include("advisory.oversight.portal_urls")),
    path("portal/profile/", include("clients.portal_urls")),
    path("portal/risk/", include("risk.portal_urls")),
    path("portal/planning/", include("planning.portal_urls")),
    path("portal/complaints/", include("complaints.portal_urls")),
    path("api/v1/", include(api_v1)),
    path("", include("clients.public_urls")),
    path("", include("complaints.public_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("favicon.ico", views.favicon, name="favicon"),
    path("metrics", metrics_view, name="metrics"),
    path(
        "health/",
        HealthView.as_view(
            checks=[
                "health_check.checks.Database",
                "health_check.checks.Cache",
                "health_check.checks.Storage",
                "advisory.health.Broker",
            ]
        ),
        name="health",
    ),
]
# No /media/ route, not even in development: every stored file is served by a view that checks
# the rules and records the download (docs/security.md).

handler400 = "advisory.hostile.bad_request"
handler403 = "advisory.hostile.permission_denied"
handler404 = "advisory.hostile.page_not_found"
handler500 = "advisory.hostile.server_error"
