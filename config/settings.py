"""Parley settings: one module, driven by the environment.

With no variables set, Parley runs embedded: SQLite, an in-memory channel layer
and a local-memory cache in one process. `DATABASE_URL` and `REDIS_URL` switch
to PostgreSQL and Redis (production mode, several nodes). Every variable is
documented in README.md.
"""

import os
import socket
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"

env = environ.Env()

DEV_SECRET_KEY = "parley-dev-secret-key-not-for-production"  # noqa: S105

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# A node's name in logs, metrics and the `X-Parley-Node` header.
NODE_ID = env.str("NODE_ID", default=f"{socket.gethostname()}:{os.getpid()}")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "corsheaders",
    "csp",  # django-csp: the Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
    "django_eventstream",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "chat",
    "groups",
    "notifications",
    "realtime",
    "config.operations",  # deploy commands: check_deploy, wait_for_db, migrate_locked
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # First, so every later line (and the response) carries the request id.
    "config.logging.RequestContextMiddleware",
    # Before CommonMiddleware and CSRF, so a preflight is answered before anything else.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # script-src 'self': no inline scripts
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.NodeHeaderMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

# --- Data stores -----------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # A bounded pool per process (psycopg_pool via Django 5.1+). Under ASGI every request
    # runs in a thread of its own, so persistent per-thread connections would grow with
    # concurrency until PostgreSQL refuses clients; the pool caps each node instead.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The pool checks a connection as it hands it out (psycopg's check_connection, one empty
    # query): after PostgreSQL restarts, every connection opened before would otherwise
    # fail one more request with a 503 on its first use.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": 5,
            "pool": {
                "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
                "max_size": env.int("DB_POOL_MAX_SIZE", default=16),
                "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
                "max_idle": 300,
            },
        }
    )
else:
    # WAL lets the embedded server read while it writes; the timeout rides out
    # the short write locks of a single process.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "parley",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: a node subscribes only to the groups its open streams
            # need, so an event reaches only the nodes holding its recipients.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Pub/sub channels span the whole Redis server, whatever the database number,
            # so deployments (and test runs) sharing one Redis need prefixes of their own.
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.str(
                    "CHANNEL_LAYER_PREFIX",
                    default=f"parley{urlsplit(REDIS_URL).path.strip('/') or '0'}",
                ),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "parley",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Accounts and auth -------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# Avatars: uploads up to AVATAR_MAX_BYTES, stored as AVATAR_SIZE x AVATAR_SIZE WebP.
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=5 * 1024 * 1024)
AVATAR_SIZE = env.int("AVATAR_SIZE", default=256)
# A password reset link works for this long (Django's token machinery).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=3600)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser with a 413 for oversized bodies and a 400 for absurd nesting.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        "auth_ip": env.str("THROTTLE_AUTH_IP", default="30/min"),
        "auth_username": env.str("THROTTLE_AUTH_USERNAME", default="10/min"),
        # Password reset mails per address (the IP cap above applies too).
        "password_reset": env.str("THROTTLE_PASSWORD_RESET", default="3/hour"),
        "report": env.str("THROTTLE_REPORT", default="30/hour"),
        "send": env.str("THROTTLE_SEND", default="120/min"),
        "typing": env.str("THROTTLE_TYPING", default="30/min"),
        "publish": env.str("THROTTLE_PUBLISH", default="600/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Throttles know a client by REMOTE_ADDR alone, never by its own X-Forwarded-For (a new
    # made-up address per request would escape every limit). Behind nginx daphne takes
    # REMOTE_ADDR from X-Real-IP, which nginx overwrites: `--proxy-headers-host X-Real-IP`.
    "NUM_PROXIES": 0,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Parley API",
    "DESCRIPTION": "Real-time chat and notifications. See the public contract in API.md.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "realtime.api.schema.add_realtime_paths",
        # The shared error responses (400/401/403/404/413/415/429/503) on every operation.
        "config.schema.add_error_responses",
    ],
}

# --- Cross-origin (django-cors-headers) --------------------------------------
# The REST API, /events/ and /api/v1/poll answer browsers on these origins (exact
# `scheme://host[:port]`, comma-separated; none by default). The lean real-time handler
# bypasses the middleware and applies the same policy through config/cors.py.
CORS_ALLOWED_ORIGINS = [
    origin.strip() for origin in env.list("CORS_ALLOWED_ORIGINS", default=[]) if origin.strip()
]
CORS_URLS_REGEX = r"^/(api/|events/)"
# Cross-site callers use bearer tokens, never the session cookie: a credentialed request
# (cookies) from another origin is never readable, so a logged-in browser's session cannot
# be ridden from someone else's page.
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "last-event-id",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = ("Retry-After", "X-Parley-Node", "X-Request-ID")
CORS_PREFLIGHT_MAX_AGE = env.int("CORS_PREFLIGHT_MAX_AGE", default=3600)

# --- Domain limits -----------------------------------------------------------

MESSAGE_MAX_LENGTH = env.int("MESSAGE_MAX_LENGTH", default=4000)
MESSAGE_EDIT_WINDOW = timedelta(minutes=env.int("MESSAGE_EDIT_WINDOW_MINUTES", default=15))
GROUP_MAX_MEMBERS = env.int("GROUP_MAX_MEMBERS", default=1024)

# --- Chat essentials: attachments and search -----------------------------------

ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENTS_PER_MESSAGE = env.int("ATTACHMENTS_PER_MESSAGE", default=10)
# Uploads not attached to a message after this long are orphans for purge_attachments.
ATTACHMENT_ORPHAN_HOURS = env.int("ATTACHMENT_ORPHAN_HOURS", default=24)
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Behind nginx: answer file downloads with `X-Accel-Redirect: <prefix><storage name>` and let
# nginx send the bytes from its `internal` location (docker/nginx/parley.conf.template).
# Empty: the node streams the file itself (the embedded default).
ATTACHMENT_ACCEL_REDIRECT_PREFIX = env.str("ATTACHMENT_ACCEL_REDIRECT_PREFIX", default="")
# "filesystem" (MEDIA_ROOT/attachments) or "s3" (django-storages; AWS_* variables below).
ATTACHMENT_STORAGE = env.str("ATTACHMENT_STORAGE", default="filesystem")
SEARCH_QUERY_MAX_LENGTH = env.int("SEARCH_QUERY_MAX_LENGTH", default=200)

# --- Real time ---------------------------------------------------------------

EVENTSTREAM_STORAGE_CLASS = "realtime.storage.EventLogStorage"
EVENTSTREAM_CHANNELMANAGER_CLASS = "realtime.channel_access.ParleyChannelManager"
EVENT_RETENTION = timedelta(days=env.int("EVENT_RETENTION_DAYS", default=7))
SSE_HEARTBEAT_SECONDS = env.int("SSE_HEARTBEAT_SECONDS", default=15)
SSE_MAX_STREAMS_PER_NODE = env.int("SSE_MAX_STREAMS_PER_NODE", default=20000)
SSE_MAX_STREAMS_PER_USER = env.int("SSE_MAX_STREAMS_PER_USER", default=10)
SSE_RETRY_MS = env.int("SSE_RETRY_MS", default=2000)
# Response bytes a node may hold for one client that is not reading before it drops it.
SSE_MAX_BUFFER_BYTES = env.int("SSE_MAX_BUFFER_BYTES", default=256 * 1024)
SSE_STALL_SECONDS = env.float("SSE_STALL_SECONDS", default=30.0)
LONG_POLL_MAX_SECONDS = 30

# Load shedding (config/lean.py): past this many requests in flight (streams and long polls
# not counted), or when a request's work would start more than NODE_MAX_QUEUE_WAIT_MS after
# it arrived (or the event loop runs that late), the node answers 503 with Retry-After at
# once instead of queueing it. In flight: about what one process answers in 150 ms at its
# ~200 requests/s; at 300 msg/s, 100 let some sends wait 1.4-1.8 s for an answer, 32 answered
# every one within 0.5-0.6 s and accepted as many (bench.latency, README Performance).
NODE_MAX_IN_FLIGHT = env.int("NODE_MAX_IN_FLIGHT", default=32)
NODE_MAX_QUEUE_WAIT_SECONDS = env.int("NODE_MAX_QUEUE_WAIT_MS", default=250) / 1000
NODE_SHED_RETRY_AFTER_SECONDS = env.int("NODE_SHED_RETRY_AFTER_SECONDS", default=1)
# Allocations between two collections of the young generation (config.gc; CPython's 700).
GC_GEN0_THRESHOLD = env.int("GC_GEN0_THRESHOLD", default=20_000)
PRESENCE_TTL_SECONDS = env.int("PRESENCE_TTL_SECONDS", default=60)
# How long a group member panel's presence watch lasts unless the client renews it.
PRESENCE_WATCH_SECONDS = env.int("PRESENCE_WATCH_SECONDS", default=60)
# Who hears that users came online or went away: f(user_ids=[...]) -> {user_id: [ids]}.
PRESENCE_AUDIENCE = "chat.selectors.presence_audiences"
# How often a node pings itself through the channel layer, and sweeps for missed events.
REALTIME_PING_SECONDS = env.float("REALTIME_PING_SECONDS", default=1.0)
REALTIME_SWEEP_SECONDS = env.float("REALTIME_SWEEP_SECONDS", default=10.0)
SHUTDOWN_GRACE_SECONDS = env.float("SHUTDOWN_GRACE_SECONDS", default=5.0)
# Stream opens and catch-ups read PostgreSQL on the event loop through a small async pool
# of their own (realtime.storage, the async reads) instead of hopping to worker threads.
REALTIME_ASYNC_READS = env.bool("REALTIME_ASYNC_READS", default=True)
REALTIME_ASYNC_READ_CONNECTIONS = env.int("REALTIME_ASYNC_READ_CONNECTIONS", default=4)
# Worker threads for the real-time paths' database work: as many as the pool has connections.
REALTIME_DB_THREADS = env.int(
    "REALTIME_DB_THREADS",
    default=DATABASES["default"]["OPTIONS"].get("pool", {}).get("max_size", 4),
)

# --- Background tasks ----------------------------------------------------------

TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND",
            default="django_tasks_db.DatabaseBackend",
        ),
    }
}

# --- Email ---------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Parley <noreply@localhost>")

# --- Notifications and outbound delivery ---------------------------------------
# README, "Notifications and delivery". Jobs run in `manage.py db_worker`.

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")  # links in emails and pushes
SITE_NAME = env.str("SITE_NAME", default="Parley")
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="parley.local")
# `unread_count` in notification.new is capped so that recipients can share one event.
NOTIFICATION_EVENT_COUNT_CAP = 99
DELIVERY_PROVIDERS = {
    "email": env.str(
        "DELIVERY_EMAIL_PROVIDER", default="notifications.providers.email.DjangoEmailProvider"
    ),
    "push": env.str(
        "DELIVERY_PUSH_PROVIDER", default="notifications.providers.push.WebPushProvider"
    ),
    "sms": env.str("SMS_PROVIDER", default="notifications.providers.sms.LoggingSmsProvider"),
}
DELIVERY_RETRY_DELAYS = env.list("DELIVERY_RETRY_DELAYS", cast=float, default=[10, 60, 300])
DELIVERY_RETRY_JITTER = env.float("DELIVERY_RETRY_JITTER", default=0.2)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=4)
DELIVERY_EMAIL_DELAY_SECONDS = env.int("DELIVERY_EMAIL_DELAY_SECONDS", default=600)
DELIVERY_PUSH_DELAY_SECONDS = env.int("DELIVERY_PUSH_DELAY_SECONDS", default=0)
DELIVERY_SMS_DELAY_SECONDS = env.int("DELIVERY_SMS_DELAY_SECONDS", default=600)
DELIVERY_ONLINE_DELAY_SECONDS = env.int("DELIVERY_ONLINE_DELAY_SECONDS", default=120)
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=300)
DELIVERY_DISPATCH_GRACE_SECONDS = env.int("DELIVERY_DISPATCH_GRACE_SECONDS", default=60)
DELIVERY_BATCH_SIZE = env.int("DELIVERY_BATCH_SIZE", default=100)
DELIVERY_TIMEOUT_SECONDS = env.float("DELIVERY_TIMEOUT_SECONDS", default=10.0)
DELIVERY_METRICS_PORT = env.int("DELIVERY_METRICS_PORT", default=0)

# --- Message-bus ingest (`manage.py ingest`, realtime/ingest/) -----------------
INGEST_SOURCE = env.str("INGEST_SOURCE", default="")  # the default of --source
INGEST_CONSUMER_NAME = env.str("INGEST_CONSUMER_NAME", default="")  # Redis; default host-pid
INGEST_BATCH_SIZE = env.int("INGEST_BATCH_SIZE", default=100)
INGEST_ACK_WAIT_SECONDS = env.float("INGEST_ACK_WAIT_SECONDS", default=30.0)
INGEST_MAX_MESSAGE_BYTES = env.int("INGEST_MAX_MESSAGE_BYTES", default=64 * 1024)
INGEST_MAX_USER_IDS = env.int("INGEST_MAX_USER_IDS", default=1000)
INGEST_METRICS_PORT = env.int("INGEST_METRICS_PORT", default=0)
VAPID_PUBLIC_KEY = env.str("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env.str("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:admin@localhost")
PUSH_TTL_SECONDS = env.int("PUSH_TTL_SECONDS", default=86400)
SMS_HTTP_URL = env.str(
    "SMS_HTTP_URL", default="https://api.twilio.com/2010-04-01/Accounts/{account}/Messages.json"
)
SMS_HTTP_ACCOUNT = env.str("SMS_HTTP_ACCOUNT", default="")
SMS_HTTP_TOKEN = env.str("SMS_HTTP_TOKEN", default="")
SMS_FROM = env.str("SMS_FROM", default="")
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "NotificationTypeEnum": "notifications.models.NotificationType",
        "DeliveryStatusEnum": "notifications.models.DeliveryStatus",
        "DeliveryChannelEnum": "notifications.models.Channel",
    }
)

# --- Internationalisation, static files ----------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# WhiteNoise serves STATIC_ROOT once `collectstatic` has filled it (production);
# in development it finds files in place and need not warn that the folder is missing.
WHITENOISE_USE_FINDERS = DEBUG
warnings.filterwarnings("ignore", message="No directory at: .*staticfiles")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "attachments": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default=""),
                "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
                "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
                "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
                "location": "attachments",
                "default_acl": None,
                "file_overwrite": False,
                # Downloads redirect to short-lived signed URLs; the bucket stays private.
                "querystring_auth": True,
                "querystring_expire": 300,
                "signature_version": "s3v4",
            },
        }
        if ATTACHMENT_STORAGE == "s3"
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT / "attachments", "base_url": None},
        }
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # WhiteNoise's manifest storage, also hashing the web app's ES module imports.
            else "config.static_storage.ModuleAwareStaticFilesStorage"
        )
    },
}

# --- Security --------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the web client reads it to send X-CSRFToken
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response, the lean hot path's too
# (config/lean.py sends the same value): scripts only from our own static files. The web app
# (templates/chat/, static/js/) needs no inline script, so an injected `<script>` or
# `onerror=` attribute is a no-op even if escaping ever failed.
CONTENT_SECURITY_POLICY = {
    # drf-spectacular's Swagger UI page boots from an inline script; it keeps its own page.
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
if not DEBUG:
    # Behind TLS termination (nginx), cookies must only travel over HTTPS.
    SECURE_COOKIES = env.bool("SECURE_COOKIES", default=True)
    SESSION_COOKIE_SECURE = SECURE_COOKIES
    CSRF_COOKIE_SECURE = SECURE_COOKIES
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)

# --- Logging ---------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_JSON = env.bool("LOG_JSON", default=not DEBUG)
# JSON lines (production) or readable lines (development), each with request_id, user_id and
# node_id, tokens and passwords scrubbed (config/logging.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.logging.RequestContextFilter", "node_id": NODE_ID}},
    "formatters": {
        "plain": {"()": "config.logging.PlainFormatter"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Drop Django's default handlers (a bare console one in DEBUG, mail_admins): its lines
        # reach the one handler above, with the request context and the scrubbing.
        "django": {"level": "INFO"},
        "django.server": {"level": "WARNING"},
        "django_eventstream": {"level": "WARNING"},
    },
}
