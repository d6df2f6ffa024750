from datetime import timedelta
from pathlib import Path

from servicekit.base_settings import *  # noqa: F403
from servicekit.base_settings import PRODUCTION
from servicekit.config import env, env_int

INSTALLED_APPS = [
    "gateway_project.backoffice.apps.MicroTixAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "gateway_project.accounts",
    "gateway_project.backoffice",
    "gateway_project.ratelimits",
]

MIDDLEWARE = [
    # First: every later layer (and every log line) sees the request id; metrics time the whole request.
    "gateway_project.api.middleware.RequestIdMiddleware",
    "gateway_project.api.middleware.MetricsMiddleware",
    "gateway_project.api.middleware.TurnsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gateway_project.urls"
WSGI_APPLICATION = "gateway_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The gateway's own pages and its overrides of DRF's and drf-spectacular's (gateway_project/templates/).
        "DIRS": [Path(__file__).resolve().parent / "templates"],
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

STATIC_URL = "static/"
# WhiteNoise serves the admin's, the browsable API's and the API docs' assets (drf-spectacular-sidecar) straight
# from the installed apps, in every gunicorn worker: no collectstatic step, so no STATIC_ROOT (WhiteNoise would
# warn at each start that the directory is missing).
WHITENOISE_USE_FINDERS = True

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gateway_project.accounts.authentication.CachedUserJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "gateway_project.api.renderers.BrowsableAPIRenderer",
    ],
    # DRF's parsers, with JSON nested too deep refused (400) rather than crashing on recursion (500).
    "DEFAULT_PARSER_CLASSES": [
        "gateway_project.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "gateway_project.api.errors.exception_handler",
    # drf-spectacular's AutoSchema, with each operation's error codes listed in its description too.
    "DEFAULT_SCHEMA_CLASS": "gateway_project.api.openapi.GatewaySchema",
    "DEFAULT_THROTTLE_RATES": {
        "login": env("LOGIN_THROTTLE_RATE"),
        "orders": env("ORDER_THROTTLE_RATE"),
        "vouchers": env("VOUCHER_THROTTLE_RATE"),
        "resends": env("RESEND_THROTTLE_RATE"),
    },
    # In development gunicorn faces clients directly: trust the socket's address, not a client-sent
    # X-Forwarded-For. In production one TLS-terminating proxy is in front (below).
    "NUM_PROXIES": 0,
}

if PRODUCTION:
    # HTTPS only, behind one TLS-terminating proxy (an Ingress) that sets X-Forwarded-Proto and appends the
    # client's address to X-Forwarded-For. Only there are those headers trusted: in development a client
    # could forge them.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    REST_FRAMEWORK["NUM_PROXIES"] = 1
    SECURE_SSL_REDIRECT = True
    # Probes and Prometheus call the pod itself over plain HTTP: answer them instead of redirecting.
    SECURE_REDIRECT_EXEMPT = [r"^api/health/(live/)?$", r"^metrics$"]
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Seconds a gateway worker believes the user it read for an access token (0: read it on every request).
USER_CACHE_SECONDS = env_int("USER_CACHE_SECONDS")
# How often each worker reads which users were saved elsewhere (accounts.authentication).
USER_CHANGES_POLL_SECONDS = 1.0

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES")),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS")),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "TOKEN_OBTAIN_SERIALIZER": "gateway_project.accounts.serializers.TokenObtainSerializer",
    "TOKEN_REFRESH_SERIALIZER": "gateway_project.accounts.serializers.TokenRefreshSerializer",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "MicroTix API",
    "DESCRIPTION": "Event ticketing: events, ticket types, orders, payments, tickets and check-in.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI (/api/docs/) and ReDoc (/api/redoc/) from drf-spectacular-sidecar's static files, served by
    # WhiteNoise like the admin's: the pages work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets several components share, named once.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "gateway_project.api.protos.TICKET_STATUS.names",
        "OrderStatusEnum": "gateway_project.api.protos.ORDER_STATUS.names",
        "StaffRoleEnum": "gateway_project.events_api.serializers.STAFF_ROLES",
        "UserRoleEnum": "gateway_project.accounts.models.User.Role",
    },
}
