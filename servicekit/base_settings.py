"""Settings every MicroTix Django project starts from (`from servicekit.base_settings import *`).

Each project then adds its own INSTALLED_APPS and, for gRPC services, GRPC_LISTEN_ADDR
and GRPC_FRAMEWORK["ROOT_HANDLERS_HOOK"].
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from servicekit.config import ENV_VARS, VAR_DIR, env, env_bool, env_float, env_int, env_list, service_token
from servicekit.logging_config import logging_config

SECRET_KEY = env("SECRET_KEY")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

# MICROTIX_ENV=production: a real secret, no debug pages (the gateway adds its HTTPS settings).
MICROTIX_ENV = env("MICROTIX_ENV").strip().lower()
if MICROTIX_ENV not in ("development", "production"):
    raise ImproperlyConfigured(f"MICROTIX_ENV must be development or production, not {MICROTIX_ENV!r}.")
PRODUCTION = MICROTIX_ENV == "production"
MIN_PRODUCTION_SECRET_KEY_LENGTH = 50  # what Django's deploy check asks of a key
if PRODUCTION:
    if ENV_VARS["SECRET_KEY"].default == SECRET_KEY or len(SECRET_KEY) < MIN_PRODUCTION_SECRET_KEY_LENGTH:
        raise ImproperlyConfigured(
            "MICROTIX_ENV=production refuses to start with the default or a short SECRET_KEY: set SECRET_KEY to a "
            f"random value of at least {MIN_PRODUCTION_SECRET_KEY_LENGTH} characters "
            '(e.g. python -c "import secrets; print(secrets.token_urlsafe(64))").'
        )
    DEBUG = False

# The credential of every internal gRPC call (servicekit.grpc_server refuses calls without it). Unset, it is
# derived from SECRET_KEY, so every process sharing the key agrees with no more configuration.
SERVICE_TOKEN = service_token()

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

VAR_DIR.mkdir(exist_ok=True)


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.mysql":
        # Django's backend with a cap on each process's connections (servicekit.db_connections).
        config["ENGINE"] = "servicekit.mysql"
        config["OPTIONS"] = {"charset": "utf8mb4", "isolation_level": "read committed"}
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # Several processes share the file: wait for locks, take the write lock up front.
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
        config["CONN_MAX_AGE"] = 0
        # Tests get a file too, not Django's shared-cache memory database: there a writer that finds
        # it busy fails at once instead of waiting, and the concurrency tests need the real behaviour.
        config["TEST"] = {"NAME": str(VAR_DIR / f"test_{os.getpid()}.sqlite3")}
    return config


DATABASES = {"default": _database(env("DATABASE_URL"))}

INSTALLED_APPS = ["servicekit"]

# gRPC targets clients dial each service at (host:port, or dns:///name:port for every address of a name).
GRPC_ADDRS = {
    "events": env("MICROTIX_EVENTS_ADDR"),
    "tickets": env("MICROTIX_TICKETS_ADDR"),
    "payments": env("MICROTIX_PAYMENTS_ADDR"),
    "notifications": env("MICROTIX_NOTIFICATIONS_ADDR"),
}
# Where each service listens: its dial address unless set apart (a container binds 0.0.0.0:<port>
# while the others dial dns:///<service>:<port>).
GRPC_LISTEN_ADDRS = {
    name: env(f"MICROTIX_{name.upper()}_LISTEN_ADDR") or address for name, address in GRPC_ADDRS.items()
}
GRPC_MAX_WORKERS = env_int("GRPC_MAX_WORKERS")
# Of those threads, how many run their call at once (servicekit.admission).
RUNNING_CALLS = env_int("RUNNING_CALLS")
GRPC_GRACE_SECONDS = env_float("GRPC_GRACE_SECONDS")
# "One per core": the cores this process may run on (a cpuset), not every core of the machine.
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
GRPC_PROCESSES = env_int("GRPC_PROCESSES") or CORES
GRPC_CLIENT_TIMEOUT = env_float("GRPC_CLIENT_TIMEOUT")
GRPC_CLIENT_RETRIES = env_int("GRPC_CLIENT_RETRIES")

# MySQL connections one process opens at once (servicekit.db_connections); a thread that needs one
# more waits at most a call's deadline (longer, and its caller has given up), then gets 503 database_busy.
DB_MAX_CONNECTIONS = env_int("DB_MAX_CONNECTIONS")
DB_CONNECTION_WAIT_SECONDS = GRPC_CLIENT_TIMEOUT
# Connections given back and kept open, idle, for the next thread (servicekit.db_connections); more are closed.
DB_KEEP_CONNECTIONS = DB_MAX_CONNECTIONS // 2

# Every process publishes Celery tasks (by name) to the same broker the worker consumes.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
# A publish returns only once RabbitMQ confirmed it; a broker that does not answer fails fast.
CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded broker for machines without RabbitMQ: messages are files under var/broker/.
    _broker_dir = VAR_DIR / "broker"
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
    }

LOG_LEVEL = env("LOG_LEVEL").upper()
# Every line carries the request id (servicekit.tracing); LOG_FORMAT=json: one JSON object per line.
LOG_FORMAT = env("LOG_FORMAT").strip().lower()
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
LOGGING_CONFIG = "servicekit.logging_config.configure"  # dictConfig, and Python warnings logged too

# Prometheus metrics: each gRPC service on its gRPC port + this offset (0: none); the gateway at /metrics.
METRICS_PORT_OFFSET = env_int("MICROTIX_METRICS_PORT_OFFSET")
