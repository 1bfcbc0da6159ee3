"""Settings shared by every environment. Values come from the environment (django-environ)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("ADVISORY_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-key-change-me-0123456789abcdef")
# Salt for field encryption (django-fernet-encrypted-fields). A list rotates keys: the first
# encrypts, every entry decrypts. See docs/operations.md.
SALT_KEY = env.list("SALT_KEY", default=["dev-salt-key-change-me"])
# Keyed hash for looking up encrypted identity numbers without decrypting (duplicate detection).
LOOKUP_HASH_KEY = env.str("LOOKUP_HASH_KEY", default="dev-lookup-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "pgtrigger",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "csp",
    "django_prometheus",
    "advisory",
    "audit",
    "clients",
    "risk",
    "planning",
    "complaints",
    "advisory.oversight",
    "advisory.staff",
    "imports",
]

AUTH_USER_MODEL = "advisory.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "advisory.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "advisory.hostile.NoStoreForSignedInMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "advisory.hostile.RejectControlCharactersMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "advisory.middleware.RequestContextMiddleware",
    "advisory.middleware.SessionInactivityMiddleware",
    "advisory.middleware.AreaSeparationMiddleware",
    "advisory.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "advisory.urls"
WSGI_APPLICATION = "advisory.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "advisory.context_processors.platform",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
# Database timings for /metrics: django-prometheus wraps the same backend (vendor unchanged).
_PROMETHEUS_DB_ENGINES = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}
DATABASES["default"]["ENGINE"] = _PROMETHEUS_DB_ENGINES.get(
    DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"]
)
# Least privilege (docs/operations.md): the application connects as a role that owns nothing
# (DATABASE_URL); migrations run as the owner role (MIGRATE_DATABASE_URL, used by `manage.py migrate`
# through the `migrate` alias), which also grants the application role its rights after each migrate.
if env.str("MIGRATE_DATABASE_URL", default=""):
    DATABASES["migrate"] = env.db("MIGRATE_DATABASE_URL")
    DATABASES["migrate"]["TEST"] = {"MIRROR": "default"}
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Signed checkpoints of the audit chain (docs/audit.md "Tamper evidence"): the Ed25519 key pair lives
# outside the database; checkpoint files go to a folder shipped to WORM storage.
AUDIT_SIGNING_KEY_FILE = env.str(
    "AUDIT_SIGNING_KEY_FILE", default=str(VAR_DIR / "keys" / "audit-signing.pem")
)
AUDIT_PUBLIC_KEY_FILE = env.str(
    "AUDIT_PUBLIC_KEY_FILE", default=str(VAR_DIR / "keys" / "audit-signing.pub.pem")
)
AUDIT_CHECKPOINT_DIR = env.str("AUDIT_CHECKPOINT_DIR", default=str(VAR_DIR / "checkpoints"))
# How audit entries are chained (docs/audit.md "Chaining after commit"): "deferred" (PostgreSQL: the
# sequencer chains committed entries right after each commit, in the writer's process; writers take
# no global lock), "listener" (PostgreSQL: the same, but done by a separate `manage.py audit_chain
# --listen` process that the writers' NOTIFY wakes, so a write does not wait for it — the
# docker-compose stack and docs/operations.md run it this way), "inline" (the writer chains inside
# its own transaction under the head's lock; SQLite always), or
# "off" (entries stay unchained: only for the concurrency benchmark's baseline).
AUDIT_CHAIN_MODE = env.str("AUDIT_CHAIN_MODE", default="deferred")
# Verification reports an entry still unchained after this long as a failure (sequencer down).
AUDIT_CHAIN_MAX_PENDING_SECONDS = env.int("AUDIT_CHAIN_MAX_PENDING_SECONDS", default=300)
# PostgreSQL: the trail's monthly partitions are kept this many months ahead (audit.partitions).
AUDIT_PARTITION_MONTHS_AHEAD = env.int("AUDIT_PARTITION_MONTHS_AHEAD", default=3)

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "advisory.cache.MeteredRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "advisory.cache.MeteredFileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("zh-hant", _("Traditional Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Files: local disk under MEDIA_ROOT (default) or one S3-compatible bucket shared by every web and
# worker host (FILE_STORAGE=s3, S3_* variables; docs/operations.md, "More than one host").
from advisory.storage import storages_setting  # noqa: E402

STORAGES = storages_setting(env, staticfiles_backend="django.contrib.staticfiles.storage.StaticFilesStorage")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: expiry after inactivity (seconds); the session is refreshed on every request.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
CLIENT_SESSION_IDLE_SECONDS = env.int("CLIENT_SESSION_IDLE_SECONDS", default=60 * 60)
SESSION_COOKIE_AGE = max(STAFF_SESSION_IDLE_SECONDS, CLIENT_SESSION_IDLE_SECONDS)
# Staff appraisals (docs/staff.md): a total below this mark restricts named actions.
STAFF_APPRAISAL_PASS_MARK = env.str("STAFF_APPRAISAL_PASS_MARK", default="60")
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# Two-factor authentication (django-otp TOTP). Enforced for staff in production.
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = "Advisory Platform"

# Login throttling (django-axes): lock an account/IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# 429 "locked" on the web form and, in the API's error shape, on the token endpoint.
AXES_LOCKOUT_CALLABLE = "advisory.security.lockout_response"

# Personal API tokens expire this many hours after they are issued (docs/security.md).
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=12)

# Password reset by email: the emailed link works once and for this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
# Reset requests allowed per hour, per email address and per client IP address.
PASSWORD_RESET_RATE_PER_EMAIL = env.int("PASSWORD_RESET_RATE_PER_EMAIL", default=3)
PASSWORD_RESET_RATE_PER_IP = env.int("PASSWORD_RESET_RATE_PER_IP", default=10)
# Wrong current passwords on the change form, per account and hour, before it refuses.
PASSWORD_CHANGE_FAILURES_PER_HOUR = env.int("PASSWORD_CHANGE_FAILURES_PER_HOUR", default=5)

# Content-Security-Policy (django-csp 4): nothing is loaded from outside this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Email: console in development; SMTP from EMAIL_URL in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="service@advisory.example")

# The firm
FIRM_NAME = env.str("FIRM_NAME", default="Harbour Wealth Advisory")
FIRM_CURRENCY = env.str("FIRM_CURRENCY", default="CNY")
# The live quality dashboard keeps the figures of the months before the current one this long
# (seconds; 0 = recompute every month on every request). docs/oversight.md, "Live figures".
OVERSIGHT_SETTLED_MONTHS_SECONDS = env.int("OVERSIGHT_SETTLED_MONTHS_SECONDS", default=600)
# Business calendar: region for public holidays (CN, HK or TW) and business hours.
BUSINESS_CALENDAR_REGION = env.str("BUSINESS_CALENDAR_REGION", default="CN")
BUSINESS_HOURS_START = env.str("BUSINESS_HOURS_START", default="09:00")
BUSINESS_HOURS_END = env.str("BUSINESS_HOURS_END", default="17:00")

# Uploaded documents
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Imports from the legacy system (docs/imports.md)
IMPORTS_MAX_BYTES = env.int("IMPORTS_MAX_BYTES", default=50 * 1024 * 1024)
IMPORTS_MAX_ROWS = env.int("IMPORTS_MAX_ROWS", default=200_000)
IMPORTS_INLINE_MAX_BYTES = env.int("IMPORTS_INLINE_MAX_BYTES", default=512 * 1024)
IMPORTS_CHUNK_ROWS = env.int("IMPORTS_CHUNK_ROWS", default=2000)
IMPORTS_MAX_STORED_ERROR_ROWS = env.int("IMPORTS_MAX_STORED_ERROR_ROWS", default=5000)
UPLOAD_ALLOWED_EXTENSIONS = ["pdf", "png", "jpg", "jpeg"]

# Spreadsheets out (docs/exports.md): lists with more rows than this are exported by a Celery
# job with a progress page; the files of such jobs are deleted after EXPORT_FILE_DAYS days.
EXPORT_BACKGROUND_THRESHOLD = env.int("EXPORT_BACKGROUND_THRESHOLD", default=5000)
EXPORT_FILE_DAYS = env.int("EXPORT_FILE_DAYS", default=7)

# SMS (docs/complaints.md, acknowledgement by SMS): "none" sends nothing; "console" prints;
# "locmem" keeps messages in memory (tests); "http" posts JSON to SMS_GATEWAY_URL with
# SMS_GATEWAY_TOKEN as a bearer token.
SMS_BACKEND = env.str("SMS_BACKEND", default="none")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10.0)
SMS_SENDER_ID = env.str("SMS_SENDER_ID", default="")
# How a client follows a complaint when acknowledged by SMS (besides the portal link).
COMPLAINTS_PHONE = env.str("COMPLAINTS_PHONE", default="400-000-0000")

# Complaints by email: larger messages are quarantined without being downloaded.
MAILBOX_MAX_MESSAGE_BYTES = env.int("MAILBOX_MAX_MESSAGE_BYTES", default=20 * 1024 * 1024)
# Service record: return visits and surveys (docs/service-record.md)
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000")  # for links in emails
RETURN_VISIT_SAMPLE_RATE = env.float("RETURN_VISIT_SAMPLE_RATE", default=0.10)
RETURN_VISIT_DUE_DAYS = env.int("RETURN_VISIT_DUE_DAYS", default=10)
RETURN_VISIT_MAX_ATTEMPTS = env.int("RETURN_VISIT_MAX_ATTEMPTS", default=3)
RETURN_VISIT_EVENT_LOOKBACK_DAYS = env.int("RETURN_VISIT_EVENT_LOOKBACK_DAYS", default=30)
SURVEY_LINK_MAX_AGE_DAYS = env.int("SURVEY_LINK_MAX_AGE_DAYS", default=30)

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "advisory.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["advisory.permissions.IsWorkspaceOrPortalUser"],
    "DEFAULT_PAGINATION_CLASS": "advisory.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "advisory.hostile.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "advisory.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "advisory.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Advisory Platform API",
    "DESCRIPTION": "Every workspace and portal screen has a twin here, with the same permissions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "advisory.openapi.add_error_responses",
    ],
    # One schema name per shared choice set, whatever field uses it.
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "risk.models.RiskLevel",
        "ImportKindEnum": "imports.models.ImportKind",
        "ImportStateEnum": "imports.models.ImportState",
        "ProductRiskRatingEnum": "risk.models.ProductRiskRating",
        "AssetClassEnum": "risk.models.AssetClass",
        "CurrencyEnum": "advisory.money.Currency",
        "RoleEnum": "advisory.roles.Role",
        "ComplaintStateEnum": "complaints.models.State",
        "ComplaintCategoryEnum": "complaints.models.Category",
        "ComplaintChannelEnum": "complaints.models.Channel",
        "ComplaintPriorityEnum": "complaints.models.Priority",
        "OnboardingStepEnum": "clients.models.OnboardingStep",
        "ClientStatusEnum": "clients.models.ClientStatus",
        "ClientKindEnum": "clients.models.ClientKind",
        "AmlRiskEnum": "clients.kyc_models.AmlRisk",
        "ClientDocumentKindEnum": "clients.models.DocumentKind",
        "ActivityKindEnum": "clients.models.ActivityKind",
        "ActivityChannelEnum": "clients.models.ActivityChannel",
        "ActivityStatusEnum": "clients.models.ActivityStatus",
        "FollowUpStatusEnum": "clients.models.FollowUpStatus",
        "ReturnVisitTriggerEnum": "complaints.models.ReturnVisitTrigger",
        "ReturnVisitStatusEnum": "complaints.models.ReturnVisitStatus",
        "SurveyTriggerEnum": "complaints.models.SurveyTrigger",
        "SuggestionStatusEnum": "complaints.models.SuggestionStatus",
        "ConsentKindEnum": "clients.models.ConsentKind",
        "ConsentChannelEnum": "clients.models.ConsentChannel",
        "IdDocumentTypeEnum": "clients.models.IdDocumentType",
        "GoalKindEnum": "planning.models.GoalKind",
        "ProposalStatusEnum": "planning.models.ProposalStatus",
        "ReviewStatusEnum": "planning.models.ReviewStatus",
        "VersionStatusEnum": "risk.models.VersionStatus",  # questionnaires and model portfolios
        "AssessmentStatusEnum": "risk.models.AssessmentStatus",
        "SuitabilityExceptionStatusEnum": "risk.models.ExceptionStatus",
        "ExceptionScopeEnum": "risk.models.ExceptionScope",
        "ExceptionLapseReasonEnum": "risk.models.LapseReason",
        "LifeEventKindEnum": "risk.models.LifeEventKind",
        "RatingAssessmentStatusEnum": "risk.models.RatingAssessmentStatus",
        "HoldingSourceEnum": "planning.models.HoldingSource",
        "RegisterRiskStatusEnum": "risk.models.RiskStatus",
        "DisposalStatusEnum": "audit.models.DisposalStatus",
        "DisposalItemStateEnum": "audit.models.ItemState",
        "ImprovementActionStatusEnum": "advisory.oversight.models.ActionStatus",
        "ComplaintEventKindEnum": "complaints.models.EventKind",
        "RectificationMeasureStatusEnum": "complaints.models.MeasureStatus",
        "QualificationKindEnum": "advisory.models.QualificationKind",
        "DocumentStatusEnum": "advisory.models.DocumentStatus",
        "WarningKindEnum": "advisory.models.WarningKind",
        # Staff and conduct (advisory.staff, complaints.violations)
        "InternalAuditStatusEnum": "advisory.staff.models.AuditStatus",
        "AuditFindingStatusEnum": "advisory.staff.models.FindingStatus",
        "DeclarationStatusEnum": "advisory.staff.models.DeclarationStatus",
        "DeclarationReviewOutcomeEnum": ["cleared", "mitigation"],
        "LevelEnum": "risk.models.RiskGrade",  # also the severity of an audit finding (same grades)
        "ViolationSeverityEnum": "complaints.models.ViolationSeverity",
        "AccountabilityActionEnum": "complaints.models.AccountabilityAction",
        "PlanningReportKindEnum": [
            "planning.financial_report",
            "planning.investment_proposal",
            "planning.allocation_plan",
            "planning.risk_assessment_report",
        ],
    },
}

# Celery: Redis when REDIS_URL is set, otherwise kombu's file-system broker so a real worker
# and beat run with nothing installed.
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = False

# Logs: one JSON object per line (LOG_FORMAT=json, the default in production) or plain text,
# each with the request id of the request — or of the request that started the task.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "advisory.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s%(task_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Operations: /metrics for a scraper holding this token (administrators may open it signed in);
# Sentry error reports when SENTRY_DSN is set, with personal data scrubbed (advisory.observability).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

# Jobs that never hang (docs/operations.md, "Outbox and stalled jobs"). A render holds its
# document for the lease (longer than the render task's hard time limit, 180 s); past it the job is
# taken over, and after the maximum number of attempts it is marked failed with the reason.
DOCUMENT_RENDER_LEASE_SECONDS = env.int("DOCUMENT_RENDER_LEASE_SECONDS", default=240)
DOCUMENT_RENDER_MAX_ATTEMPTS = env.int("DOCUMENT_RENDER_MAX_ATTEMPTS", default=3)
DOCUMENT_QUEUE_STALE_SECONDS = env.int("DOCUMENT_QUEUE_STALE_SECONDS", default=900)
