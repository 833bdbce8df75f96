"""Settings for the CCHC back-office: one module, everything read from the environment.

Production needs at least DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; see README.md.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


DEBUG = env_bool("DEBUG", False)

# Without a key and with DEBUG off, commands that sign nothing (migrations, imports) still run; the servers
# refuse to start (cchc/checks.py: the WSGI and ASGI entry points, and `check --deploy`).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-cchc"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "cchc.apps.CchcAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "simple_history",
    "csp",
    "cchc.apps.AxesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "cchc.apps.CoreConfig",
    "accounts",
    "assessment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "cchc.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cchc.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "cchc.site.SiteUrlMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.SessionIdleTimeoutMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cchc.urls"
WSGI_APPLICATION = "cchc.wsgi.application"

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
                "accounts.context_processors.access",
            ],
        },
    },
]

# Database: PostgreSQL in production and CI (psycopg 3), an SQLite file for the demo.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections in production (a new one per request cost a third of a public page's time);
        # the health check replaces a connection the server dropped before it is used.
        conn_max_age=env_int("CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}

# The cache of the public results pages (assessment/public_views.py), one per worker process for now.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 5000)},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked (username, address) pair before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Second factor (accounts/two_factor): the name authenticator apps show; wrong codes wait 1, 2, 4, 8 … seconds.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "CCHC Hà Nội")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Sign-in that resists guessing (django-axes): 5 failures of one username from one address lock that pair
# for 15 minutes; failures count while each comes within 15 minutes of the previous one; a success resets.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout are refused without being counted: the lock ends 15 minutes after the 5th failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ADMIN = False  # accounts/admin_lockouts.py lists the lockouts, in Vietnamese
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins: the user's last_login is enough
AXES_VERBOSE = False
# The client's address: REMOTE_ADDR, unless a proxy that overwrites a header says otherwise (README).
AXES_IPWARE_META_PRECEDENCE_ORDER = env_list("AXES_IPWARE_META_PRECEDENCE_ORDER", "REMOTE_ADDR")

# Password reset by e-mail link: valid for a day; at most so many requests per address and per client
# address an hour (counted in the default cache, per process).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_HOURS", 24) * 3600
PASSWORD_RESET_PER_EMAIL_PER_HOUR = env_int("PASSWORD_RESET_PER_EMAIL_PER_HOUR", 3)
PASSWORD_RESET_PER_IP_PER_HOUR = env_int("PASSWORD_RESET_PER_IP_PER_HOUR", 10)

# Sessions end after so many hours without a request (accounts/sessions.py); staff sessions also end when
# the browser closes. No session cookie outlives the longer limit.
SESSION_STAFF_IDLE_HOURS = env_int("SESSION_STAFF_IDLE_HOURS", 8)
SESSION_UNIT_IDLE_HOURS = env_int("SESSION_UNIT_IDLE_HOURS", 12)
SESSION_COOKIE_AGE = max(SESSION_STAFF_IDLE_HOURS, SESSION_UNIT_IDLE_HOURS) * 3600

# Language, time and numbers: Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["cchc.formats"]

# Static files come from packages (npm through `make`) and are served by the app (whitenoise).
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
]
# Private evidence files: never under a public URL, only through permission-checked views.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT") or BASE_DIR / "var" / "private")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
EVIDENCE_MAX_UPLOAD_MB = env_int("EVIDENCE_MAX_UPLOAD_MB", 20)
# Zip-based files (.docx, .xlsx, .odt …) that would inflate beyond these are refused as archive bombs.
EVIDENCE_MAX_UNCOMPRESSED_MB = env_int("EVIDENCE_MAX_UNCOMPRESSED_MB", 100)
ARCHIVE_MAX_RATIO = env_int("ARCHIVE_MAX_RATIO", 100)
# Spreadsheet imports (admin and commands): no import may hold a web worker for long.
IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 5)
IMPORT_MAX_UNCOMPRESSED_MB = env_int("IMPORT_MAX_UNCOMPRESSED_MB", 50)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000)
IMPORT_MAX_ROWS_SCORES = env_int("IMPORT_MAX_ROWS_SCORES", 100_000)  # grades and survey results
# An admin import confirmed with at least this many rows runs as a background job, with a progress page (issue 14).
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 2_000)
# A background import that fails for a reason other than its rows (the database, the file store) is retried.
IMPORT_MAX_RETRIES = env_int("IMPORT_MAX_RETRIES", 3)
IMPORT_RETRY_BACKOFF = env_int("IMPORT_RETRY_BACKOFF", 30)
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# E-mail: printed on the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cchc@localhost")
# The address people reach the site at, for the links in e-mails; unset, the address of the request that sends
# them (cchc/site.py).
SITE_URL = os.environ.get("SITE_URL", "")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# HTTPS hardening: on by default whenever DEBUG is off; HTTPS=0 only behind a trusted local proxy test.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself (nginx: proxy_set_header X-Forwarded-Proto $scheme).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp) on every response: scripts only from our own static files, never
# inline. Styles may be inline: our templates (progress bars, criteria indents), the admin's and
# django-import-export's set computed values in `style` attributes or `<style>` blocks, and a style cannot
# run code (the SVG charts use presentation attributes and need no exception). CSP_REPORT_ONLY=1 sends the
# same policy as Content-Security-Policy-Report-Only (to try a change in production without breaking pages).
csp_policy = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if os.environ.get("CSP_REPORT_URI", "").strip():
    csp_policy["DIRECTIVES"]["report-uri"] = os.environ["CSP_REPORT_URI"].strip()
# django-csp 4 reads these two names; a policy in one of them only.
csp_report_only = env_bool("CSP_REPORT_ONLY", False)
CONTENT_SECURITY_POLICY = None if csp_report_only else csp_policy
CONTENT_SECURITY_POLICY_REPORT_ONLY = csp_policy if csp_report_only else None

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

IMPORT_EXPORT_USE_TRANSACTIONS = True
# The audit trail is read-only: nobody reverts a score through the history pages.
SIMPLE_HISTORY_REVERT_DISABLED = True
IMPORT_EXPORT_SKIP_ADMIN_ACTION_EXPORT_UI = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports each layout step and every unsupported CSS property: warnings are enough.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        # django-axes reports every sign-in at INFO; failures and lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}

# --- storage (issue 14): evidence, signed scans and publication files through Django's storage API ---
# "filesystem" (the default, PRIVATE_MEDIA_ROOT above) or "s3": an S3-compatible bucket (django-storages, boto3).
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem")
# How a permission-checked download is served: "stream" (through the app) or "redirect" (to a signed URL that
# expires after STORAGE_SIGNED_URL_SECONDS; S3 only, the local disk always streams).
STORAGE_DOWNLOADS = os.environ.get("STORAGE_DOWNLOADS", "stream")
STORAGE_SIGNED_URL_SECONDS = env_int("STORAGE_SIGNED_URL_SECONDS", 60)
if STORAGE_BACKEND not in ("filesystem", "s3"):
    raise ImproperlyConfigured("STORAGE_BACKEND is 'filesystem' or 's3'.")
if STORAGE_DOWNLOADS not in ("stream", "redirect"):
    raise ImproperlyConfigured("STORAGE_DOWNLOADS is 'stream' or 'redirect'.")


def s3_storage(
    *, bucket: str, endpoint_url=None, access_key=None, secret_key=None, region=None, addressing_style=None
) -> dict:
    """The STORAGES entry of an S3-compatible bucket: private objects, signed URLs, short timeouts, few retries."""
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "region_name": region or None,
            "default_acl": None,  # the bucket's own (private); never public-read
            "querystring_auth": True,
            "querystring_expire": STORAGE_SIGNED_URL_SECONDS,
            "file_overwrite": True,  # names are content addresses: the same name is the same bytes
            "max_memory_size": 2 * 1024 * 1024,  # a download larger than this is spooled to a temporary file
            "client_config": Config(  # given whole, so it carries the signature and addressing style too
                signature_version="s3v4",
                s3={"addressing_style": addressing_style} if addressing_style else None,
                connect_timeout=env_int("AWS_S3_CONNECT_TIMEOUT", 3),
                read_timeout=env_int("AWS_S3_READ_TIMEOUT", 30),
                retries={"max_attempts": env_int("AWS_S3_MAX_ATTEMPTS", 3), "mode": "standard"},
            ),
        },
    }


if STORAGE_BACKEND == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = s3_storage(
        bucket=os.environ["AWS_STORAGE_BUCKET_NAME"],
        endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL"),
        access_key=os.environ.get("AWS_ACCESS_KEY_ID"),
        secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
        region=os.environ.get("AWS_S3_REGION_NAME"),
        addressing_style=os.environ.get("AWS_S3_ADDRESSING_STYLE", "path"),
    )
# -- digitally signed documents (issue 15) --
# Trust roots for signed reports: the admin's list of trusted certificates, plus an optional PEM bundle file.
SIGNATURE_TRUST_ROOTS_FILE = os.environ.get("SIGNATURE_TRUST_ROOTS_FILE", "")
# Fetch OCSP/CRL answers named in certificates; when unreachable, the result says "not checked (offline)".
SIGNATURE_REVOCATION_FETCH = env_bool("SIGNATURE_REVOCATION_FETCH", True)
SIGNATURE_FETCH_TIMEOUT = env_int("SIGNATURE_FETCH_TIMEOUT", 5)
LOGGING["loggers"]["pyhanko"] = {"level": "CRITICAL"}  # it logs every refused chain with a traceback
LOGGING["loggers"]["pyhanko_certvalidator"] = {"level": "CRITICAL"}
# The city's signing key for publications: a PKCS#12 file and its password (unset: nothing is signed)…
SIGNING_PKCS12_PATH = os.environ.get("SIGNING_PKCS12_PATH", "")
SIGNING_PKCS12_PASSWORD = os.environ.get("SIGNING_PKCS12_PASSWORD", "")
# …or a PKCS#11 token (USB token, HSM; used instead of the PKCS#12 file when set): the module (.so), the token's
# label, the user PIN (or a file holding it), the labels of the key and of its certificate (default: the key's).
SIGNING_PKCS11_MODULE = os.environ.get("SIGNING_PKCS11_MODULE", "")
SIGNING_PKCS11_TOKEN_LABEL = os.environ.get("SIGNING_PKCS11_TOKEN_LABEL", "")
SIGNING_PKCS11_PIN = os.environ.get("SIGNING_PKCS11_PIN", "")
SIGNING_PKCS11_PIN_FILE = os.environ.get("SIGNING_PKCS11_PIN_FILE", "")
SIGNING_PKCS11_KEY_LABEL = os.environ.get("SIGNING_PKCS11_KEY_LABEL", "")
SIGNING_PKCS11_CERT_LABEL = os.environ.get("SIGNING_PKCS11_CERT_LABEL", "")
# Hash in the application and have the token sign the digest (CKM_ECDSA, CKM_RSA_PKCS): for tokens without
# hash-then-sign mechanisms (SoftHSM's ECDSA, some USB tokens).
SIGNING_PKCS11_RAW_MECHANISM = env_bool("SIGNING_PKCS11_RAW_MECHANISM", False)
# --- celery: background jobs, shared cache, health checks, structured logs (issue 14) ---
# Jobs (cchc/celery.py): on a Redis broker in production; without one, every task runs inside the process
# that asks for it (the demo, the unit tests: no worker needed). A job is written to the database first
# (assessment/outbox.py): when the broker is down the request still succeeds, and `send_pending_jobs` (run by
# beat every minute) hands it over later.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip() or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL.startswith("memory://"))
CELERY_TASK_EAGER_PROPAGATES = False  # a failing task never fails the request that started it
CELERY_TASK_IGNORE_RESULT = True  # outcomes are recorded in our own tables (e-mails, publication files)
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task leaves it on the queue for another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker logs through LOGGING below (JSON, request ids)
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 3)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    # A publish that meets a broker that is down gives up at once: the outbox keeps the job and sends it later.
    "max_retries": 0,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "cchc")
# E-mails: retried with exponential backoff (EMAIL_RETRY_BACKOFF seconds, doubling, at most an hour).
EMAIL_MAX_RETRIES = env_int("EMAIL_MAX_RETRIES", 5)
EMAIL_RETRY_BACKOFF = env_int("EMAIL_RETRY_BACKOFF", 30)
# The file-based e-mail backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend) writes here.
if os.environ.get("EMAIL_FILE_PATH", "").strip():
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"].strip()
# A job still pending after this many seconds is handed over again by `send_pending_jobs`.
JOBS_PENDING_GRACE_SECONDS = env_int("JOBS_PENDING_GRACE_SECONDS", 60)
# The one scheduler (run exactly one `celery beat`): pending jobs every minute; the reminders command (when the
# project has one) every day at REMINDERS_HOUR, Hanoi time.
from celery.schedules import crontab  # noqa: E402 - only the beat schedule needs it

REMINDERS_HOUR = env_int("REMINDERS_HOUR", 7)
CELERY_BEAT_SCHEDULE = {
    "send-pending-jobs": {"task": "assessment.tasks.send_pending_jobs", "schedule": 60.0},
    "send-reminders": {"task": "assessment.tasks.send_reminders", "schedule": crontab(hour=REMINDERS_HOUR, minute=0)},
}

# Shared cache (django-redis) when REDIS_CACHE_URL (or CACHE_URL) is set, so every node serves the same public
# pages, provisional ranking and rate-limit counters; the demo keeps the per-process memory cache.
REDIS_CACHE_URL = (os.environ.get("REDIS_CACHE_URL") or os.environ.get("CACHE_URL") or "").strip()
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "cchc"),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
    # Sessions are read from the shared cache and written to both (the database stays the reference, so a cache that
    # loses a key only costs a read): one statement less on every signed-in request (issue 12). Not with the
    # per-process memory cache, where a sign-out on one worker would leave the session alive in the others.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# The provisional ranking of a period (Home Affairs' results page, the units' "what if") is kept in the cache,
# keyed by a fingerprint of its inputs, for at most this many seconds.
PROVISIONAL_RESULTS_CACHE_SECONDS = env_int("PROVISIONAL_RESULTS_CACHE_SECONDS", 3600)

# Health checks for the load balancer (cchc/health.py): plain HTTP allowed, whatever HTTPS says.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Logs: one JSON object per line (python-json-logger) with the request id, or plain text (LOG_FORMAT=text,
# the default with DEBUG).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING["filters"] = {"request_id": {"()": "cchc.request_ids.RequestIdFilter"}}
LOGGING["formatters"] = {
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    },
    "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
}
LOGGING["handlers"]["console"].update({"filters": ["request_id"], "formatter": LOG_FORMAT})
MIDDLEWARE.insert(0, "cchc.observability.RequestIdMiddleware")

# Error reports to Sentry only when SENTRY_DSN is set (no personal data sent).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
        send_default_pii=False,
    )
