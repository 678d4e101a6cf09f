"""Settings for the lambing-season tracker.

Everything that differs between a laptop and a county bureau's server comes
from the environment (see README.md and .env.example). With nothing set the
service runs in development mode on an embedded SQLite file under ``var/``.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured

from config import logs
from config.env import env_bool, env_int, env_list, env_networks, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-key-never-used-in-production"  # noqa: S105
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("change-me")):
    raise ImproperlyConfigured(
        "SECRET_KEY must be a long random string (50 characters or more) when DEBUG is off; "
        "make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "livestock.apps.LambingAdminConfig",  # django.contrib.admin, its index grouped
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "livestock",
]

MIDDLEWARE = [
    # First: what every later one reads of the client's address and scheme.
    "livestock.access.proxy_headers.ProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON compressed for a phone on a poor link: the field app's Today for a
    # township's 1,303 households is 3.4 MB as drawn, 73 KB compressed (bench/README.md).
    # No proxy in front need do it. Static files are WhiteNoise's, answered above with
    # their own compressed copies. Django's mitigation of BREACH (random bytes in each
    # compressed answer's header) covers the CSRF tokens in the pages.
    "django.middleware.gzip.GZipMiddleware",
    # With read replicas: a writer's next pages read what they wrote (config/routers.py).
    "config.routers.ReadYourWritesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a login refused during a lockout into the lockout page.
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
            # {% load i18n %} everywhere (the admin's templates too) reads the text
            # direction of the exact language, not of its base: see livestock/i18n.py.
            "libraries": {"i18n": "livestock.templatetags.i18n_bidi"},
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


# Seconds a connection is kept for the next request of the same thread. gunicorn's
# workers are a few long-lived threads; runserver (`make run`) starts a thread per
# request, and a connection kept by each outlived it: 16 clients at once exhausted
# PostgreSQL's 100 connections. So none are kept in development.
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", default=0 if DEBUG else 60, minimum=0)


def _database(url: str | None) -> dict:
    """SQLite under var/ when DATABASE_URL is unset; otherwise the URL, PostgreSQL or SQLite."""
    if url is None:
        sqlite_dir = BASE_DIR / "var"
        sqlite_dir.mkdir(exist_ok=True)
        url = f"sqlite:///{sqlite_dir / 'db.sqlite3'}"
    scheme = url.split(":", 1)[0]
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme {scheme!r} is not supported; use postgres:// or sqlite://."
        )
    database = dj_database_url.parse(
        url, conn_max_age=DATABASE_CONN_MAX_AGE, conn_health_checks=True
    )
    if scheme == "sqlite":
        # A write transaction takes SQLite's write lock when it begins and waits
        # up to 20 s for it, instead of failing with "database is locked" when
        # two requests write at once.
        database["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    return database


# Behind PgBouncer in transaction mode (docs/scale.md), a server connection is
# a client's only for one transaction: no server-side cursors (Django's
# .iterator() would declare one in a transaction and fetch from it in the
# next, on another server connection). Django binds parameters on the client
# with psycopg 3 (no prepared statements), and persistent connections to
# PgBouncer are fine: they hold no server connection between transactions.
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", default=False)


def _pooled(database: dict) -> dict:
    if DATABASE_TRANSACTION_POOLING and database["ENGINE"].endswith("postgresql"):
        return {**database, "DISABLE_SERVER_SIDE_CURSORS": True}
    return database


DATABASES = {"default": _pooled(_database(env_str("DATABASE_URL")))}

# Read replicas of the primary, for summary reads (config/routers.py). In tests
# each one mirrors the primary's test database instead of having its own.
DATABASE_REPLICAS = []
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS", default=[]), start=1):
    if not url.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS item {number} is not a postgres:// URL: replicas are "
            "PostgreSQL streaming replicas of DATABASE_URL."
        )
    alias = f"replica_{number}"
    DATABASES[alias] = {**_pooled(_database(url)), "TEST": {"MIRROR": "default"}}
    DATABASE_REPLICAS.append(alias)
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]

# A cache shared by gunicorn's workers: a table in the database in production
# (made by migration 0015), memory in development. The API's throttles count
# requests in their own table (livestock/access/throttling.py); wrong tokens are
# counted here.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if DEBUG
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
}

# Spreadsheet imports (the admin's and the API's bulk file; manage.py import_counts
# takes any number of rows): what one file may hold, so that reading it costs work
# bounded by these and not by what a few compressed kilobytes declare. A file past
# one is refused as soon as the reading reaches it, naming the limit.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", default=5_000, minimum=1)
# At least the template's 18 columns (livestock/spreadsheets/columns.py), or an
# export could not be imported back.
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", default=40, minimum=18)
IMPORT_MAX_CELL_CHARACTERS = env_int("IMPORT_MAX_CELL_CHARACTERS", default=1_000, minimum=100)
IMPORT_MAX_UNZIPPED_MB = env_int("IMPORT_MAX_UNZIPPED_MB", default=50, minimum=1)
# An answer lists this many refused rows' errors and counts the rest.
IMPORT_MAX_ERRORS_LISTED = env_int("IMPORT_MAX_ERRORS_LISTED", default=100, minimum=1)

# Login throttling against password guessing (django-axes; livestock/access/throttling.py):
# after LOGIN_FAILURE_LIMIT failures for one username from one address, that pair
# waits LOGIN_LOCKOUT_MINUTES, restarted by every try meanwhile. A lockout is
# lifted early by `manage.py axes_reset_username NAME` or in the admin.
AUTHENTICATION_BACKENDS = [
    "livestock.access.throttling.LoginThrottleBackend",
    # Django's ModelBackend, reading a user's permissions in one query
    # (livestock/access/permissions.py).
    "livestock.access.permissions.RoleBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", default=15, minimum=1))
# The pair: a guesser cannot lock a technician out from elsewhere, and colleagues
# behind one address (a township office) do not lock each other out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "livestock.access.throttling.lockout_response"
# The address is the one the API's throttles use (REST_FRAMEWORK's NUM_PROXIES):
# the connection's, or behind our proxy the address it saw (livestock/access/throttling.py).
AXES_CLIENT_IP_CALLABLE = "livestock.access.throttling.client_address"
# The username as typed, cut to what the lockout's tables keep (a longer one was a 500).
AXES_USERNAME_CALLABLE = "livestock.access.throttling.login_username"

# After logging in without a (safe) page to go back to: the summary, the home page.
# Django's default, /accounts/profile/, is no page of this service.
LOGIN_REDIRECT_URL = "summary"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first; Kazakh in the Arabic script (Xinjiang's, right to left) and in
# Cyrillic (Kazakhstan's); English. Dates and "today" are Altay's.
# Django knows Kazakh only as `kk`, Cyrillic. `kk-arab` is ours: its catalogs are
# in locale/kk_Arab (to_locale), a browser's kk-Arab-CN and kk-CN fall back to it, and its
# LANG_INFO says bidi, which livestock/i18n.py reads (Django's get_language_bidi
# looks at the base language, `kk`, and would lay it out left to right).
LANG_INFO.update(
    {
        "kk-arab": {
            "bidi": True,
            "code": "kk-arab",
            "name": "Kazakh (Arabic script)",
            "name_local": "قازاقشا",
        },
        "kk": {**LANG_INFO["kk"], "name": "Kazakh (Cyrillic)", "name_local": "Қазақша"},
        # A phone set to Kazakh (China) asks for kk-CN: China's Kazakh is written in
        # the Arabic script, as Django's zh-cn falls back to zh-hans.
        "kk-cn": {"fallback": ["kk-arab"]},
    }
)
# templates.W003 warns that two modules are named `i18n`: ours replaces Django's on
# purpose (TEMPLATES above), and there is no other way into the admin's base.html.
SILENCED_SYSTEM_CHECKS = ["templates.W003"]
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("kk-arab", "قازاقشا"),
    ("kk", "Қазақша"),
    ("en", "English"),
]
# Ours first; then Django's and DRF's messages in Kazakh's Arabic script, and some
# of the admin's that Django leaves untranslated in Kazakh (scripts/kk_arabic_po.py).
LOCALE_PATHS = [BASE_DIR / "livestock" / "locale", BASE_DIR / "livestock" / "locale_packages"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Collected for production only (make serve); in development the staticfiles
# app serves them from the apps, and WhiteNoise has no folder to look for.
STATIC_ROOT = None if DEBUG else BASE_DIR / "var" / "static"
# WhiteNoise serves the static files from the app itself, with far-future cache
# headers on hashed names once collected (make serve); no CDN, no other server.
# The files a browser asks for at the site's root whatever the page says (a PDF, a
# JSON answer opened in a tab): /favicon.ico, which was a 404 on every such page.
WHITENOISE_ROOT = BASE_DIR / "livestock" / "root_files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# HTTPS in production: the defaults follow DEBUG, each can be set on its own.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Behind a proxy that terminates TLS and says so in X-Forwarded-Proto, and
# appends the client's address to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for).
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxy's own addresses (or networks): X-Forwarded-For and -Proto are read only
# from a connection that comes from one of them; a client reaching gunicorn around
# the proxy has them dropped (livestock/access/proxy_headers.py).
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

# Content-Security-Policy (django-csp): every page loads scripts, styles, fonts and
# images from this server only, and nothing inline; the admin, the summary pages
# and the API docs keep to it (tests/test_csp.py, tests/browser/test_csp.py).
# Charts are inline SVG; Swagger UI's stylesheet draws its icons as data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    # JSON only: the interactive docs are /api/docs/ (Swagger UI). DRF's browsable
    # pages would be a second HTML surface with inline styles the CSP refuses, and
    # filter forms that list objects from the whole database.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, bounded in its nesting (a 400, not a RecursionError's 500); the bulk
    # endpoint takes a spreadsheet as multipart too. Another body is a 415.
    "DEFAULT_PARSER_CLASSES": ["livestock.api.parsers.BoundedJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "livestock.access.throttling.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "livestock.api.pagination.BoundedPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "livestock.api.filtering.SentParameterFilterBackend",
        "livestock.api.filtering.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "livestock.api.errors.exception_handler",
    # Per token (its user) and, without credentials, per address; a 429 with
    # Retry-After beyond the rate. Rates as DRF writes them: 600/minute, 20/second.
    "DEFAULT_THROTTLE_CLASSES": [
        "livestock.access.throttling.TokenRateThrottle",
        "livestock.access.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_rate("API_RATE_PER_TOKEN", default="600/minute"),
        "anonymous": env_rate("API_RATE_ANONYMOUS", default="60/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Which address a request comes from, for the throttles and the login lockout:
    # the last one our proxy added to X-Forwarded-For, else the connection's. Never
    # what the client writes there itself (DRF's default, None, would take it whole).
    "NUM_PROXIES": 1 if BEHIND_TLS_PROXY else 0,
}

# Wrong API tokens sent from one address, per period; past it every token from
# that address waits for the period's end (livestock/access/throttling.py).
API_TOKEN_FAILURE_RATE = env_rate("API_TOKEN_FAILURE_RATE", default="10/minute")

# Unexpected exceptions with their traceback, request and user id, to stderr, in
# production as in development (config/logs.py).
LOGGING = logs.LOGGING

# History is read in the admin, never restored from: see admin.ScopedHistoryAdmin.
SIMPLE_HISTORY_REVERT_DISABLED = True

SPECTACULAR_SETTINGS = {
    "TITLE": "Lambing-season tracker API",
    "DESCRIPTION": (
        "Places, herders, lambing records and their dated entries, reported figures and "
        "season summaries of a pastoral prefecture. Token auth: `Authorization: Token …`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No schema validator badge: it would load an image from swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's error answers (400, 401, 403, 404, 409, 412, 413, 429 …).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "livestock.api.schema.document_errors",
    ],
}
