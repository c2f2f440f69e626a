"""Settings: one module, driven by environment variables (django-environ).

Defaults are for the embedded set-up (SQLite under ``var/``, tasks in-process, console e-mail). Production
sets the variables documented in README.md ("Environment variables"); with them
``python manage.py check --deploy --fail-level WARNING`` passes.
"""

import datetime
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV", default=True) and (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# DJANGO_PRODUCTION=true turns every transport-security default on (HTTPS redirect, HSTS, secure cookies) and
# makes the system checks refuse development keys.
PRODUCTION = env.bool("DJANGO_PRODUCTION", default=False)

# The development defaults below are marked as such; the `filing` system checks refuse them when
# PRODUCTION is set, so a forgotten variable fails loudly instead of running with a known key.
DEV_SECRET_KEY = "dev-only-secret-key-not-for-production-0123456789abcdefghijklmnop"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Key for the audit log's HMAC chain. Kept outside the database so that whoever can write the table cannot
# forge a consistent chain.
DEV_AUDIT_HMAC_KEY = "dev-only-audit-key"
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default=DEV_AUDIT_HMAC_KEY)
# Key for encrypting and hashing personal identifiers (ID numbers) at rest.
DEV_PII_KEY = "dev-only-pii-key"
PII_KEY = env.str("PII_KEY", default=DEV_PII_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "viewflow",
    "viewflow.workflow",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "health_check",
    "filing",
    "workflows",
    "notifications",
    "api",
]

MIDDLEWARE = [
    # First: counts and times every request (Prometheus, config/metrics.py).
    "config.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Everything needs a login except views marked with @login_not_required (public verification,
    # publicity pages, the login page itself).
    "config.middleware.LoginRequiredExceptAPIMiddleware",
    "config.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Public verification and statistics read the replica when one is configured (config/routers.py).
    "config.routers.ReplicaRoutingMiddleware",
    # Last: turns a lockout raised during authentication into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or client before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "filing.auth.MembershipBackend",
]

ROOT_URLCONF = "config.urls"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "notifications.context_processors.unread",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections, checked before reuse, are the production default (a new PostgreSQL connection
# per request was most of the cost of a public verification: README "Benchmarks").
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60 if PRODUCTION else 0))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("DB_CONN_HEALTH_CHECKS", default=True))
# A read replica for public verification and statistics (config/routers.py); off unless configured.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": DATABASES["default"]["CONN_HEALTH_CHECKS"],
        "TEST": {"MIRROR": "default"},
    }
REPLICA_DATABASE = "replica" if "replica" in DATABASES else ""
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
REPLICA_APPS = env.list("REPLICA_APPS", default=["filing"])
REPLICA_VIEW_NAMES = env.list(
    "REPLICA_VIEW_NAMES",
    default=[
        "verify",
        "verify_token",
        "verify_list",
        "verify_pdf",
        "api-verify",
        "api-verify-bulk",
        "certificates:statistics",
        "api-statistics",
    ],
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Validates nothing: puts every password change in the audit chain (Django calls password_changed).
    {"NAME": "filing.services.security.PasswordChangeAudit"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
DEFAULT_CHARSET = "utf-8"

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@skill-filing.local")

CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://")
    if not env.str("REDIS_URL", default="")
    else {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.str("REDIS_URL")}
}

# Celery: without a broker, tasks run eagerly in-process (embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=env.str("REDIS_URL", default=""))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://"  # never contacted: tasks run eagerly
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# `celery -A config beat`: the timers (publicity end, correction lapses, deadline reminders) run every 15
# minutes (idempotent); the outbox sweep every minute.
CELERY_BEAT_SCHEDULE = {
    "filing-timers": {"task": "filing.run_timers", "schedule": env.int("FILING_TIMER_SECONDS", default=900)},
    "notification-sweep": {"task": "notifications.sweep", "schedule": 60.0},
}
# Health (config/health.py): the outbox lags when its oldest due delivery waited longer than this; more dead
# letters than this make /health/ unhealthy. Details of /health/ and /metrics/ only for a client address in
# OPS_ALLOWED_NETWORKS (CIDR list, e.g. the Prometheus server) or with "Authorization: Bearer <OPS_TOKEN>".
HEALTH_OUTBOX_MAX_LAG_SECONDS = env.int("HEALTH_OUTBOX_MAX_LAG_SECONDS", default=600)
HEALTH_DEAD_LETTERS_MAX = env.int("HEALTH_DEAD_LETTERS_MAX", default=0)
OPS_ALLOWED_NETWORKS = env.list("OPS_ALLOWED_NETWORKS", default=[])
OPS_TOKEN = env.str("OPS_TOKEN", default="")
# Scale-out (docs/operations.md): CELERY_SEPARATE_QUEUES=true routes batches, PDFs and notifications to
# their own queues, each served by its own workers (`celery -A config worker -Q batches`, `-Q pdfs`,
# `-Q notifications,celery`); off by default, so that one worker without -Q serves everything.
CELERY_TASK_ROUTES = (
    {
        "filing.issue_batch": {"queue": "batches"},
        "filing.render_batch_pdfs": {"queue": "pdfs"},
        "filing.render_certificate_pdf": {"queue": "pdfs"},
        "notifications.*": {"queue": "notifications"},
    }
    if env.bool("CELERY_SEPARATE_QUEUES", default=False)
    else {}
)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
VERIFY_RATE_PER_MINUTE = env.int("VERIFY_RATE_PER_MINUTE", default=30)
CERTIFICATE_NUMBER_FORMATTER = env.str(
    "CERTIFICATE_NUMBER_FORMATTER", default="filing.numbering.NationalFormat"
)
CERTIFICATE_FONT = env.str("CERTIFICATE_FONT", default="")
# PAdES seal on every certificate PDF (filing/signing.py, docs/certificates.md): "city" signs with one city
# key, "body" with each body's key under CERTIFICATE_SIGNING_DIR. Key files live outside the database;
# `manage.py generate_signing_key` creates demo ones (make run does).
CERTIFICATE_SIGNING = env.str("CERTIFICATE_SIGNING", default="city")
CERTIFICATE_SIGNING_DIR = Path(env.str("CERTIFICATE_SIGNING_DIR", default=str(VAR_DIR / "signing")))
CERTIFICATE_SIGNING_KEY = env.str(
    "CERTIFICATE_SIGNING_KEY", default=str(CERTIFICATE_SIGNING_DIR / "city.key.pem")
)
CERTIFICATE_SIGNING_CERT = env.str(
    "CERTIFICATE_SIGNING_CERT", default=str(CERTIFICATE_SIGNING_DIR / "city.cert.pem")
)
CERTIFICATE_SIGNING_ROOT = env.str(
    "CERTIFICATE_SIGNING_ROOT", default=str(CERTIFICATE_SIGNING_DIR / "root.cert.pem")
)
# Absolute links in e-mails and in the certificates' QR codes.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Verifiable credentials (W3C VC 2.0 as a JWS, ES256) beside the PDF: the issuer's private key is a PEM file
# outside the database (development generates one under var/keys/ on first use; production must provide
# it explicitly, `manage.py check --deploy` says so). Earlier keys' public PEM files stay published.
CREDENTIAL_SIGNING_KEY = env.str(
    "CREDENTIAL_SIGNING_KEY", default="" if PRODUCTION else str(VAR_DIR / "keys" / "credential-signing.pem")
)
CREDENTIAL_PREVIOUS_PUBLIC_KEYS = env.list("CREDENTIAL_PREVIOUS_PUBLIC_KEYS", default=[])
CREDENTIAL_ISSUER_NAME = env.str("CREDENTIAL_ISSUER_NAME", default="上海市职业技能等级认定备案与证书查验系统")
# How long a verifier may keep the status list before asking again (seconds).
CREDENTIAL_STATUS_LIST_TTL = env.int("CREDENTIAL_STATUS_LIST_TTL", default=300)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.UserThrottle", "api.auth.AnonymousThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_USER_RATE", default="600/min"),
        "anon": env.str("API_ANON_RATE", default="120/min"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.StrictFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "EXCEPTION_HANDLER": "api.errors.handle",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shanghai skill-evaluation filing API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ApplicationKindEnum": "filing.models.ApplicationKind",
        "AttachmentKindEnum": "filing.models.AttachmentKind",
        "OrganisationKindEnum": "filing.models.OrganisationKind",
        "IssuanceBatchStateEnum": "filing.models.IssuanceBatch.State",
        "ObjectionStateEnum": "filing.models.Objection.State",
        "ReportStateEnum": "filing.models.ReportState",
        "BodyCategoryEnum": "filing.models.BodyCategory",
        "BodyStatusEnum": "filing.models.BodyStatus",
        "FiledLineStatusEnum": "filing.models.FiledLineStatus",
        "CertificateStatusEnum": "filing.models.CertificateStatus",
        "ApplicationStatusEnum": "filing.models.ApplicationStatus",
        "PlanStatusEnum": "filing.models.PlanStatus",
        "RegistrationStatusEnum": "filing.models.RegistrationStatus",
        "ComplaintStatusEnum": "filing.models.ComplaintStatus",
        "CompetitionLevelEnum": "filing.models.CompetitionLevel",
        "LevelEnum": "filing.models.Level",
        "PlanMethodEnum": "filing.models.PlanMethod",
        "ImportOutcomeEnum": "filing.models.RosterImport.Outcome",
    },
}

# Domain settings (configurable, DOMAIN.md tags [I]).
FILING = {
    "PUBLICITY_WORKING_DAYS": env.int("FILING_PUBLICITY_WORKING_DAYS", default=5),
    "DECISION_WORKING_DAYS": env.int("FILING_DECISION_WORKING_DAYS", default=20),
    "EXTENSION_WORKING_DAYS": env.int("FILING_EXTENSION_WORKING_DAYS", default=10),
    "SCHOOL_LEVEL_CAP": env.int("FILING_SCHOOL_LEVEL_CAP", default=3),
    "PLAN_FILING_WORKING_DAYS": env.int("FILING_PLAN_FILING_WORKING_DAYS", default=10),
    "RESULTS_PUBLICITY_WORKING_DAYS": env.int("FILING_RESULTS_PUBLICITY_WORKING_DAYS", default=5),
    "PROVINCE_CODE": "31",
    # 会签 / 或签 / 票签 per application kind (filing/panel.py), e.g. {"change": {"rule": "any", "k": 3}};
    # a kind not listed needs every seated expert's score.
    "PANEL_RULES": env.json("FILING_PANEL_RULES", default={}),
    # A suspended body's (or line's) sittings already planned may still be held (filing/standing.py).
    "SUSPENSION_LETS_SITTINGS_FINISH": env.bool("FILING_SUSPENSION_LETS_SITTINGS_FINISH", default=True),
    # Personal data in the rosters of an archived plan (registrations' imported rows, import reports) is
    # purged this many days after the plan was archived; certificates are kept. Batch dossiers are kept
    # electronically for at least 5 years (DOMAIN.md §9), hence the default.
    "ROSTER_RETENTION_DAYS": env.int("FILING_ROSTER_RETENTION_DAYS", default=1826),
}

# Task operations every human node has (workflows/operations.py, docs/approval-operations.md).
WORKFLOW = {
    # 催办: how many times one person may urge one task per calendar day.
    "URGE_DAILY_LIMIT": env.int("WORKFLOW_URGE_DAILY_LIMIT", default=2),
    # 批量审批: the most tasks one batch may hold.
    "BATCH_MAX_TASKS": env.int("WORKFLOW_BATCH_MAX_TASKS", default=100),
    # 超时升级 per node (workflows/timeouts.py), e.g. {"confirm_plan": {"working_days": 5, "action":
    # "escalate"}}. Empty by default: the limits are the authority's to set [I].
    "TIMEOUTS": env.json("WORKFLOW_TIMEOUTS", default={}),
}

# The national report (技能人才评价证书全国联网查询) carries full ID numbers: the file is encrypted with age
# (X25519) to the recipients' public keys ("age1..."), at rest and for transfer; only the recipient's
# identity decrypts it (manage.py decrypt_national_report). Required in production (system check
# filing.E007); in development a throwaway identity is created under NATIONAL_REPORT_DEV_KEY_DIR on first use.
NATIONAL_REPORT_RECIPIENTS = env.list("NATIONAL_REPORT_RECIPIENTS", default=[])
NATIONAL_REPORT_DEV_KEY_DIR = Path(env.str("NATIONAL_REPORT_DEV_KEY_DIR", default=str(VAR_DIR / "keys")))
# The national system's answer file (acknowledgements and rejects): refused above this size.
NATIONAL_ANSWER_MAX_BYTES = env.int("NATIONAL_ANSWER_MAX_BYTES", default=5 * 1024 * 1024)

# --- who the client is, and how hard it may knock -----------------------------------------------------
BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
# Trusted reverse proxies in front of the application, each appending the address it received the request
# from to X-Forwarded-For (filing.ratelimit.client_ip). 0: REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=1 if BEHIND_PROXY else 0)

# Login lockout (django-axes) on every path that authenticates: the site, the admin, the API token endpoint.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # a username, or a client, each on its own
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "filing.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "filing.views.security.lockout_response"  # the page, or JSON for the API
AXES_VERBOSE = False
# One-time codes to mobile numbers (an objector's contact): a class with send(number, text). Production has
# no default; without one, objectors give an e-mail address.
SMS_SENDER = env("SMS_SENDER", default="" if PRODUCTION else "filing.contact.ConsoleSMSSender")
PASSWORD_RESET_PER_HOUR = env.int("PASSWORD_RESET_PER_HOUR", default=5)

# Sessions: an idle session ends after SESSION_IDLE_SECONDS, any session after SESSION_COOKIE_AGE.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_COOKIE_AGE = env.int("SESSION_MAX_HOURS", default=12) * 3600

# Second factor (django-otp, TOTP): required for these roles when OTP_REQUIRED is on (production default).
OTP_REQUIRED = env.bool("DJANGO_OTP_REQUIRED", default=PRODUCTION)
OTP_REQUIRED_ROLES = ("administrator", "municipal_reviewer")
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="上海市技能评价备案")

# API tokens expire (and are revoked by DELETE /api/v1/auth/token/ or in the admin).
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=8)
# The OpenAPI schema is public in development and behind a login in production.
API_SCHEMA_PUBLIC = env.bool("API_SCHEMA_PUBLIC", default=not PRODUCTION)

# Content-Security-Policy (django-csp): no inline script anywhere; styles may be inline (the Material
# frontend sets them); frames and plugins refused.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
PERMISSIONS_POLICY = {
    name: []
    for name in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
    )
}

# Transport hardening: on in production, each overridable.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=PRODUCTION)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Logs: every handler masks ID numbers (config/logs.py); one JSON object a line in production.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"identifiers": {"()": "config.logs.IdentifierFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{asctime}{levelname}{name}{message}",
            "style": "{",
            "rename_fields": {"levelname": "level", "name": "logger", "asctime": "time"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["identifiers"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One line per task is noise in the embedded set-up, where every delivery runs in-process.
    "loggers": {
        "celery.app.trace": {"level": env.str("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
        # Celery 5.7 builds a producer even for eager tasks; with the in-process memory:// broker kombu
        # warns that no hostname was given. Real brokers always have one.
        "kombu.connection": {"level": "ERROR"},
    },
}
