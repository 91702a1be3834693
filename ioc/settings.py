"""Django settings for ioc.

Every setting that an operator may change comes from the environment and is listed, with its default,
in docs/operations.md (a test fails when one is missing there). Secrets never live in this file.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# IOC_VAR_DIR: where the SQLite database, the generated secret key, uploads and logs live.
VAR_DIR = Path(env("IOC_VAR_DIR", str(PROJECT_DIR / "var")) or "var").resolve()

DEBUG = env_bool("IOC_DEBUG", False)


def _secret_key() -> str:
    """IOC_SECRET_KEY, or a random key kept in VAR_DIR for a laptop install; production must set it."""
    key = env("IOC_SECRET_KEY")
    if key:
        return key
    if env_bool("IOC_PRODUCTION", False):
        raise ImproperlyConfigured("IOC_SECRET_KEY must be set when IOC_PRODUCTION=true")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = [h.strip() for h in (env("IOC_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]") or "").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in (env("IOC_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "huey.contrib.djhuey",
    "ioc.core",
    "ioc.audit",
    "ioc.orgunits",
    "ioc.accounts",
    "ioc.metadata",
    "ioc.jobs",
    "ioc.datavalues",
    "ioc.quality",
    "ioc.workflow",
    "ioc.ingest",
    "ioc.entry",
    "ioc.analytics",
    "ioc.dashboards",
    "ioc.plans",
    "ioc.briefings",
    "ioc.demo",
    "ioc.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ioc.web.middleware.LocaleMiddleware",  # Vietnamese unless the user switched (not Accept-Language)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ioc.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ioc.urls"
WSGI_APPLICATION = "ioc.wsgi.application"

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
                "ioc.core.context_processors.site",
                "ioc.web.context_processors.nav",
            ],
        },
    },
]

# DATABASE_URL chooses the database; the default is the embedded SQLite file under VAR_DIR.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ioc.sqlite3'}") or ""
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE avoids "database is locked" upgrades.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
        " PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;",
        "transaction_mode": "IMMEDIATE",
    }
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboards:overview"  # leaders land on the operations screen
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): IOC_LOGIN_FAILURE_LIMIT failures lock the username+IP pair for
# IOC_LOGIN_COOLOFF_MINUTES minutes.
AXES_FAILURE_LIMIT = int(env("IOC_LOGIN_FAILURE_LIMIT", "5") or 5)
AXES_COOLOFF_TIME = float(env("IOC_LOGIN_COOLOFF_MINUTES", "15") or 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("IOC_TIME_ZONE", "Asia/Ho_Chi_Minh") or "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "ioc_language"
# Vietnamese numbers are grouped 1.234.567 (Django's own vi formats do not group digits).
FORMAT_MODULE_PATH = ["ioc.web.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise scans it at start-up
# ioc/static: our CSS/JS (ioc/) and the libraries the asset build copies in (vendor/, python -m ioc.core.assets build).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Security headers and cookies. IOC_HTTPS=true behind TLS turns on HSTS and secure cookies.
HTTPS = env_bool("IOC_HTTPS", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_SSL_REDIRECT = env_bool("IOC_SSL_REDIRECT", False)
SESSION_COOKIE_AGE = int(env("IOC_SESSION_HOURS", "12") or 12) * 3600

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = env("IOC_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("IOC_DEFAULT_FROM_EMAIL", "ioc@localhost")

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env("IOC_REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("IOC_REDIS_URL") or ""}
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("IOC_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # With a handler of its own, huey's consumer does not add a second one (each line logged once).
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

NINJA_PAGINATION_MAX_LIMIT = 1000

# Imports: the largest file accepted (bytes), and the largest total an XLSX file may unpack to (zip bombs).
IOC_INGEST_MAX_BYTES = int(env("IOC_INGEST_MAX_BYTES", str(100 * 1024 * 1024)) or 0)
IOC_INGEST_XLSX_MAX_UNCOMPRESSED = int(env("IOC_INGEST_XLSX_MAX_UNCOMPRESSED", str(512 * 1024 * 1024)) or 0)
# The address of the site as users reach it, for links in e-mails (reminders); empty: relative links.
IOC_BASE_URL = (env("IOC_BASE_URL", "") or "").rstrip("/")

# Background jobs (huey): the queue lives in VAR_DIR/huey.sqlite3, or in Redis when IOC_REDIS_URL is set.
# `ioc serve` starts a worker process (`ioc run_huey`) beside the web server unless IOC_WORKER=false. Under
# pytest (or IOC_JOBS_IMMEDIATE=true) jobs run at once, in the process that queues them.
JOBS_IMMEDIATE = env_bool("IOC_JOBS_IMMEDIATE", "pytest" in sys.modules)
HUEY: dict[str, object] = {
    "name": "ioc",
    "immediate": JOBS_IMMEDIATE,
    "results": False,
    "utc": True,
    "consumer": {"workers": int(env("IOC_WORKER_THREADS", "2") or 2), "worker_type": "thread"},
}
if env("IOC_REDIS_URL"):
    HUEY.update({"huey_class": "huey.RedisHuey", "url": env("IOC_REDIS_URL")})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})

# The date of the 2025 reorganisation (two-tier local government, Resolution 202/2025/QH15).
IOC_REORGANISATION_DATE = "2025-07-01"

# Analytics (ioc.analytics): each process keeps a DuckDB replica of the numeric values in memory, with at
# most IOC_ANALYTICS_MEMORY_MB of DuckDB memory and IOC_ANALYTICS_THREADS threads per query. A map's
# background tiles come from IOC_MAP_TILE_URL (e.g. an intranet tile server "https://tiles.example/{z}/{x}/{y}.png");
# empty: no tiles, the units are drawn on a plain background (no internet needed).
IOC_ANALYTICS_MEMORY_MB = int(env("IOC_ANALYTICS_MEMORY_MB", "600") or 600)
IOC_ANALYTICS_THREADS = int(env("IOC_ANALYTICS_THREADS", "2") or 2)
IOC_MAP_TILE_URL = env("IOC_MAP_TILE_URL", "") or ""
IOC_MAP_TILE_ATTRIBUTION = env("IOC_MAP_TILE_ATTRIBUTION", "") or ""
# The province's code in the published DTI tables, when it differs from its unit's code (docs/dti.md).
IOC_DTI_PROVINCE_CODE = env("IOC_DTI_PROVINCE_CODE", "") or ""
