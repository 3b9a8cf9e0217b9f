"""Settings for the seller center, read from the environment.

Every value that differs between a laptop and production comes from an environment variable; the defaults are
safe for production (debug off) except where ``DJANGO_DEBUG=1`` turns the development conveniences on.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = env_bool("SELLERCENTER_TESTING", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        # A throwaway key for local runs only; production must set DJANGO_SECRET_KEY.
        SECRET_KEY = "insecure-local-only-" + "x" * 40
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# --- Applications -------------------------------------------------------------------------------------------
# Shared apps live in the public schema: people, stores, memberships and platform reference data.
SHARED_APPS = [
    "django_tenants",
    "stores",
    "accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "template_partials",
    "djmoney",
]
# Store apps get their tables in every store's own schema.
TENANT_APPS = [
    "audit",
    "jobs",
    "catalog",
    "orders",
    "logistics",
    "finance",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "stores.Store"
TENANT_DOMAIN_MODEL = "stores.Domain"
PUBLIC_SCHEMA_NAME = "public"
TENANT_LIMIT_SET_CALLS = True
# New stores get their schema by cloning this migrated template (stores.provisioning).
TENANT_BASE_SCHEMA = "store_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# migrate_schemas reads every store's django_migrations first and migrates only the stores that are behind.
GET_EXECUTOR_FUNCTION = "stores.migration_executors.get_executor"

DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    "sellercenter.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "stores.routing.StoreRoutingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "sellercenter.urls_public"
STORE_URLCONF = "sellercenter.urls_store"

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
                "stores.context_processors.store_shell",
                "audit.context_processors.notifications",
            ],
        },
    }
]

WSGI_APPLICATION = "sellercenter.wsgi.application"

# --- Database and cache -------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sellercenter"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
        engine="django_tenants.postgresql_backend",
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "sc"),
    }
}

# --- Accounts and security ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/stores/"
LOGOUT_REDIRECT_URL = "/"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Failed log-ins allowed per e-mail address and per client address before a cool-down.
LOGIN_THROTTLE_LIMIT = int(os.environ.get("LOGIN_THROTTLE_LIMIT", "5"))
LOGIN_THROTTLE_WINDOW = int(os.environ.get("LOGIN_THROTTLE_WINDOW", "900"))
# How many reverse proxies (load balancer, TLS terminator) stand in front of the app; the client address for
# log-in throttling is then read from X-Forwarded-For.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
INVITATION_MAX_AGE = 60 * 60 * 24 * 7
OTP_TOTP_ISSUER = "Seller Center"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not TESTING)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- E-mail -------------------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / ".data" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Seller Center <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in e-mails (invitations, password reset) are built on this base.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- Languages, time and money ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "sc_language"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
CURRENCIES = None  # every ISO 4217 currency that py-moneyed knows

# --- Static and media ---------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
]
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / ".data" / "media"))
# Each store's files go to MEDIA_ROOT/<schema name>/...
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest spreadsheet a store can import (a 100,000-row catalog file is about 10 MB).
CATALOG_IMPORT_MAX_BYTES = int(os.environ.get("CATALOG_IMPORT_MAX_BYTES", str(16 * 1024 * 1024)))

# --- Celery -------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "sellercenter.heartbeat", "schedule": 15.0},
    "catalog-low-stock": {"task": "catalog.low_stock_dispatch", "schedule": 15 * 60.0},
    # Prices derived from base prices follow the day's FX rates (the ECB publishes about 15:00 UTC).
    "catalog-listings-reprice": {"task": "catalog.listings_reprice_dispatch", "schedule": crontab(hour=16, minute=30)},
    # The ledger follows the orders' history (shipments, refunds) within a minute.
    "finance-ledger": {"task": "finance.ledger_dispatch", "schedule": 60.0},
    # The platform's side of payouts: requests older than PAYOUT_PROCESSING_DELAY_SECONDS are paid.
    "finance-payouts": {"task": "finance.payouts_dispatch", "schedule": 300.0},
    "audit-notification-digest": {"task": "audit.digest_dispatch", "schedule": crontab(hour=7, minute=0)},
    # Orders not shipped within each store's window are cancelled and their stock released.
    "orders-auto-cancel": {"task": "orders.auto_cancel_dispatch", "schedule": crontab(minute=20)},
    # The reserve follows new sales and releases what is due; ended settlement periods are settled within the hour.
    "finance-reserve": {"task": "finance.reserve_dispatch", "schedule": 5 * 60.0},
    "finance-settlements": {"task": "finance.settlement_dispatch", "schedule": crontab(minute=10)},
    "finance-storage": {"task": "finance.storage_dispatch", "schedule": crontab(day_of_month=1, hour=2, minute=30)},
    # The platform's own logistics service moves its parcels along (and delivers them).
    "logistics-tracking": {"task": "logistics.tracking_dispatch", "schedule": 15 * 60.0},
}
# Payouts: the platform's conversion spread when a payout goes to an account of another currency, and how long a
# request waits before the platform's worker pays it.
PAYOUT_CONVERSION_SPREAD = os.environ.get("PAYOUT_CONVERSION_SPREAD", "0.012")
PAYOUT_PROCESSING_DELAY_SECONDS = int(os.environ.get("PAYOUT_PROCESSING_DELAY_SECONDS", "1800"))
WORKER_HEARTBEAT_KEY = "sellercenter:worker-heartbeat"
WORKER_HEARTBEAT_MAX_AGE = 60

# --- Logging ------------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "sellercenter.middleware.RequestContextFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s store=%(store)s user=%(user)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["request_context"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # WeasyPrint reports every step of every document at INFO; its warnings (a missing glyph) still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

FORM_RENDERER = "sellercenter.rendering.FormRenderer"
