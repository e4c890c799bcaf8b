"""Settings for TPS Khusus: one file, driven by environment variables.

Defaults give the embedded set-up (SQLite file, tasks run in-process). Production sets
DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY and ALLOWED_HOSTS; with DEBUG off the secure
settings are on unless switched off explicitly.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    """A string from the environment, or from the file named by NAME_FILE (Docker secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name, default):
    value = env(name, "")
    if value == "":
        return default
    if value.lower() in ("true", "1", "yes", "on"):
        return True
    if value.lower() in ("false", "0", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")


def env_int(name, default):
    value = env(name, "")
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug-and-tests-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "pgtrigger",
    "pghistory",
    "import_export",
    "voters",
    "coordination",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "voters.core.middleware.UploadLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "voters.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "voters.core.middleware.BadParameterMiddleware",
    "voters.core.middleware.MaskedQueryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "voters.core.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tpskhusus.urls"
WSGI_APPLICATION = "tpskhusus.wsgi.application"

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
                "voters.core.context_processors.navigation",
                "voters.core.context_processors.facility_scope",
            ],
        },
    },
]

# Database: a SQLite file by default; PostgreSQL in production and CI (DATABASE_URL).
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
IS_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if IS_SQLITE:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        # WAL: pages keep reading while the embedded worker writes (one writer at a time).
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Job progress is written through a second connection so that a page can read it while
    # the job's own transaction is still open (the tests take it out: tests/conftest.py).
    DATABASES["jobs"] = {**DATABASES["default"]}
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    # Field-level history comes from database triggers (django-pghistory), which only
    # PostgreSQL runs; this attaches the acting user and URL to every change of a request.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware"),
        "pghistory.middleware.HistoryMiddleware",
    )
    # Only requests that change rows carry the context: pages (GET) write no tracked row, and
    # wrapping every query of a page in the context cost about a sixth of a roster page's time.
    PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "voters.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "voters.core.backends.FacilityModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: idle timeout and absolute lifetime (SECURITY.md check 3).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lock-out after repeated failed logins, with a cool-off (tpskhusus/lockout.py): a user name
# after 5 failures from any addresses, an address after 20 failures over any user names (an
# office logs in from one NAT address). Each lock ends 15 minutes after the last counted
# failure; tries during a lock do not prolong it, so nobody is locked out for ever.
AXES_HANDLER = "tpskhusus.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = max(env_int("AXES_ADDRESS_FAILURE_LIMIT", 20), AXES_FAILURE_LIMIT)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own, not the pair
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Two-factor login for roles that see full NIKs, when the deployment asks for it.
REQUIRE_2FA = env_bool("REQUIRE_2FA", False)
OTP_TOTP_ISSUER = "TPS Khusus"
# The admin never shows a device's secret key or QR code (its views fetch devices unscoped).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files, generated PDFs and exports: private, outside the web root, served by views
# that check permissions.
PRIVATE_ROOT = Path(env("PRIVATE_ROOT", str(BASE_DIR / "var" / "private")))
MEDIA_ROOT = PRIVATE_ROOT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# django-import-export, for the admin's reference data only (voters/admin_resources.py):
# each needs an explicit permission (SECURITY.md check 8; the library's default lets any admin
# import), imports are all or nothing (check 13), the upload waits for confirmation in
# PRIVATE_ROOT/django-import-export and is swept after an hour (check 14). Formula escaping is
# ours on every cell (check 17): the library's option strips only a leading "=".
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False  # imported rows show in the admin's history too
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

# One person exporting, printing or downloading more rows than this in a day is logged as an
# alert on the voters.alerts logger (SECURITY.md check 27); 0 switches the alert off.
EXPORT_ALERT_ROWS = env_int("EXPORT_ALERT_ROWS", 5000)

# Uploads: capped before parsing (SECURITY.md check 9); a view names its larger cap with
# voters.core.middleware.capped_upload (the reference DPT upload).
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
MAX_REFERENCE_UPLOAD_BYTES = env_int("MAX_REFERENCE_UPLOAD_BYTES", 300 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A workbook's sheet extent is checked before any reader opens it (SECURITY.md check 31):
# calamine allocates rows x columns cells of 32 bytes, so one far cell costs gigabytes.
XLSX_MAX_COLUMNS = env_int("XLSX_MAX_COLUMNS", 200)
XLSX_MAX_ROWS = env_int("XLSX_MAX_ROWS", 1_048_576)  # Excel's own limit
XLSX_MAX_CELLS = env_int("XLSX_MAX_CELLS", 10_000_000)
REFERENCE_XLSX_MAX_CELLS = env_int("REFERENCE_XLSX_MAX_CELLS", 40_000_000)
# Workbooks are read by a child process with this much address space (voters/readers/xlsx_sheet.py).
UPLOAD_READ_MEMORY_MB = env_int("UPLOAD_READ_MEMORY_MB", 1024)
REFERENCE_READ_MEMORY_MB = env_int("REFERENCE_READ_MEMORY_MB", 3072)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Security headers. With DEBUG off, HTTPS settings are on unless HTTPS=False (a LAN without TLS).
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^sehat/$"]  # the container health check speaks plain HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Celery. Without a broker, tasks run in-process (the test suite, a one-off command). The
# embedded default (quickstart.sh) sets CELERY_BROKER_URL=filesystem:// and runs a real worker
# beside the web server: kombu's filesystem transport keeps the queue in var/broker, so no
# Redis is needed and jobs behave as in production (progress bars move, the page never waits).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# The longest job (a province's reference DPT) takes well under an hour; a task that is not
# acknowledged within the visibility timeout is delivered again, so keep it far above that.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 2 * 60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT}
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_FOLDER = Path(env("BROKER_FOLDER", str(BASE_DIR / "var" / "broker")))
    for _folder in ("queue", "processed"):
        (BROKER_FOLDER / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_FOLDER / "queue"),
        "data_folder_out": str(BROKER_FOLDER / "queue"),
        "processed_folder": str(BROKER_FOLDER / "processed"),
        "store_processed": False,
    }
# Job progress also goes to this cache when the database cannot carry it across processes
# while a job's own transaction is open (SQLite has one writer; PostgreSQL uses the "jobs"
# connection above instead): a file cache the web and the embedded worker share.
if IS_SQLITE and CELERY_BROKER_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "progress": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / "var" / "cache" / "progress"),
        },
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "voters.tasks.import_*": {"queue": "imports"},
    "voters.tasks.render_*": {"queue": "letters"},
}
CELERY_BEAT_SCHEDULE = {
    "nightly-reconciliation": {
        "task": "voters.tasks.reconcile_all_task",
        "schedule": crontab(hour=1, minute=30),
    },
    # Jobs lost with their worker are sent again once, then failed (voters/core/jobs.py):
    # every minute, so a lost job is taken back about a minute after JOB_STALE_AFTER.
    "sweep-stale-jobs": {
        "task": "voters.tasks.sweep_stale_jobs_task",
        "schedule": crontab(minute="*"),
    },
    "sweep-transient-files": {
        "task": "voters.tasks.sweep_transient_files_task",
        "schedule": crontab(minute="*/15"),
    },
}
# A running job whose heartbeat is older than this lost its worker: the sweep sends it again
# once, then fails it. Every job reports (a heartbeat) at least every few seconds: per COPY of
# 65,536 rows, per page laid out, per reconciliation step; the longest single step measured (a
# province's reference DPT, 10M rows, 31 s in all: bench/README.md) is far below 10 minutes.
JOB_STALE_AFTER = timedelta(minutes=env_int("JOB_STALE_MINUTES", 10))

# Letters: a batch of at least LETTER_PARALLEL_MIN_LETTERS letters is laid out in
# LETTER_RENDER_PROCESSES child processes (1: in the worker itself), each capped at
# LETTER_RENDER_MEMORY_MIB of address space, and the parts joined into one PDF
# (voters/letters/parallel.py; bench/README.md "Letters").
LETTER_RENDER_PROCESSES = env_int("LETTER_RENDER_PROCESSES", 2)
LETTER_PARALLEL_MIN_LETTERS = env_int("LETTER_PARALLEL_MIN_LETTERS", 100)
LETTER_RENDER_MEMORY_MIB = env_int("LETTER_RENDER_MEMORY_MIB", 768)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_nik": {"()": "voters.core.logging.RedactNikFilter"},
        "refusal_one_line": {"()": "voters.core.logging.RefusalWithoutTracebackFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["refusal_one_line", "redact_nik"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) would print every line a second time.
        "django": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}
