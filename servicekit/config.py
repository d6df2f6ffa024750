"""Every environment variable MicroTix reads, with its default, in one table.

Settings modules read variables only through :func:`env`, so this table is the
complete list (README and docker-compose.yml are checked against it in tests).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"


@dataclass(frozen=True)
class EnvVar:
    name: str
    default: str
    help: str


ENV_VARS: dict[str, EnvVar] = {
    v.name: v
    for v in (
        EnvVar(
            "MICROTIX_ENV",
            "development",
            "development or production: production refuses the default SECRET_KEY, turns DEBUG off and makes the "
            "gateway HTTPS-only (secure cookies, HSTS, redirect to HTTPS, X-Forwarded-Proto from its proxy).",
        ),
        EnvVar("SECRET_KEY", "insecure-dev-key-change-me", "Django secret key; also signs JWTs."),
        EnvVar("DEBUG", "0", "1 turns on Django debug pages (never in production)."),
        EnvVar("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]", "Comma-separated host names the gateway answers."),
        EnvVar(
            "DATABASE_URL",
            f"sqlite:///{VAR_DIR / 'microtix.sqlite3'}",
            "Shared database of every service; unset means an embedded SQLite file under var/. "
            "mysql://user:pass@host:3306/microtix for MySQL/MariaDB.",
        ),
        EnvVar(
            "CELERY_BROKER_URL",
            # A host (any: the transport ignores it), or kombu warns "No hostname was supplied" at each connection.
            "filesystem://localhost/",
            "Celery broker; unset means kombu's filesystem transport under var/broker/. "
            "amqp://guest:guest@127.0.0.1:5672// for RabbitMQ.",
        ),
        EnvVar("CELERY_QUEUE", "microtix", "Queue the tasks go to and the worker consumes (tests use one per run)."),
        EnvVar(
            "MICROTIX_HTTP_HOST",
            "127.0.0.1",
            "Address the gateway (gunicorn) listens on: this machine only; 0.0.0.0 (every interface) in a container.",
        ),
        EnvVar("MICROTIX_HTTP_PORT", "8000", "Port the gateway (gunicorn) listens on."),
        EnvVar(
            "MICROTIX_EVENTS_ADDR",
            "127.0.0.1:50051",
            "gRPC target the events service is dialled at (host:port, or dns:///host:port to spread calls over "
            "every address the name resolves to); also where it listens unless MICROTIX_EVENTS_LISTEN_ADDR is set.",
        ),
        EnvVar("MICROTIX_TICKETS_ADDR", "127.0.0.1:50052", "gRPC target of the tickets service (as for events)."),
        EnvVar("MICROTIX_PAYMENTS_ADDR", "127.0.0.1:50053", "gRPC target of the payments service (as for events)."),
        EnvVar(
            "MICROTIX_NOTIFICATIONS_ADDR",
            "127.0.0.1:50054",
            "gRPC target of the notifications service (its log; as for events).",
        ),
        EnvVar(
            "MICROTIX_EVENTS_LISTEN_ADDR",
            "",
            "host:port the events service listens on (e.g. 0.0.0.0:50051 in a container); empty: MICROTIX_EVENTS_ADDR.",
        ),
        EnvVar("MICROTIX_TICKETS_LISTEN_ADDR", "", "host:port the tickets service listens on; empty: its ADDR."),
        EnvVar("MICROTIX_PAYMENTS_LISTEN_ADDR", "", "host:port the payments service listens on; empty: its ADDR."),
        EnvVar(
            "MICROTIX_NOTIFICATIONS_LISTEN_ADDR", "", "host:port the notifications service listens on; empty: its ADDR."
        ),
        EnvVar(
            "MICROTIX_SERVICE_TOKEN",
            "",
            "Shared secret every internal gRPC call carries (metadata x-service-token); a service refuses a call "
            "without it (UNAUTHENTICATED), health checks excepted. Empty: derived from SECRET_KEY.",
        ),
        EnvVar(
            "GRPC_MAX_WORKERS",
            "128",
            "Threads of each gRPC server, and the calls it serves at once (one more is refused at once, "
            "RESOURCE_EXHAUSTED: 503 <service>_busy). As many as a gateway serves requests: a thread waiting on "
            "a slow dependency holds no CPU and, outside a transaction, no database connection.",
        ),
        EnvVar(
            "RUNNING_CALLS",
            "8",
            "Requests (each gateway worker) or calls (each gRPC server process) one process runs at once; the "
            "other threads wait for a turn (a gRPC call at most until its deadline, then 503 <service>_busy). A "
            "request or call keeps its turn while it calls another service (that call runs on it) and gives it "
            "away while it waits on the payment provider. 0: no limit. The payments service has none (a charge "
            "waits on the provider inside its transaction).",
        ),
        EnvVar(
            "DB_MAX_CONNECTIONS",
            "8",
            "MySQL connections one process (each gRPC service, each gateway worker) opens at most; a thread that "
            "needs one more waits up to GRPC_CLIENT_TIMEOUT, then 503 database_busy. The payments service opens up "
            "to GRPC_MAX_WORKERS (a charge holds its connection while the provider answers). A connection a thread "
            "gives back (after each request or call) stays open for the next thread, at most half of these idle.",
        ),
        EnvVar(
            "GRPC_PROCESSES",
            "0",
            "Processes serving each gRPC service's port (SO_REUSEPORT; the kernel spreads connections over them), "
            "so a service uses every core; 0: one per core. GRPC_MAX_WORKERS and DB_MAX_CONNECTIONS are per process.",
        ),
        EnvVar("GRPC_GRACE_SECONDS", "10", "On SIGTERM/SIGINT, in-flight calls get this long to finish."),
        EnvVar("WORKER_CONCURRENCY", "0", "Pool processes of the Celery worker (prefork); 0: one per core."),
        EnvVar(
            "GRPC_CLIENT_TIMEOUT",
            "5",
            "Deadline in seconds of every gRPC call a client makes; twice it for a call that waits on the payment "
            "provider (servicekit.clients.WAITS_OUTSIDE), since the provider may take up to one.",
        ),
        EnvVar(
            "GRPC_CLIENT_RETRIES",
            "3",
            "Attempts in all (the first included, at most 5) of a gRPC read (Get*, List*) its service answers "
            "UNAVAILABLE, by gRPC's retry policy (exponential backoff, jitter) within the call's deadline. Reads wait "
            "for a connection that is down; writes are tried once and fail at once.",
        ),
        EnvVar("WEB_CONCURRENCY", "2", "Number of gunicorn worker processes of the gateway."),
        EnvVar(
            "GATEWAY_THREADS",
            "64",
            "Threads of each gateway worker (gunicorn gthread): requests served at once per worker. Most of a "
            "request is waiting on a service, which holds no CPU.",
        ),
        EnvVar("LOGIN_THROTTLE_RATE", "10/min", "Login attempts allowed per client address and per account."),
        EnvVar("ORDER_THROTTLE_RATE", "30/min", "Orders a user may create (POST /api/orders/)."),
        EnvVar(
            "VOUCHER_THROTTLE_RATE",
            "10/min",
            "Reservations with a voucher code allowed per user and per client address (codes are not guessed).",
        ),
        EnvVar(
            "RESEND_THROTTLE_RATE",
            "3/hour",
            "Confirmation emails an order's buyer may be sent again, whoever asks (it cannot be used to spam them).",
        ),
        EnvVar("JWT_ACCESS_MINUTES", "15", "Lifetime of an access token."),
        EnvVar(
            "USER_CACHE_SECONDS",
            "60",
            "Seconds a gateway worker keeps the user of an access token instead of reading it per request. A "
            "user saved through the model (the admin, the API) is forgotten by every worker within a second; "
            "one changed around it (QuerySet.update, SQL) keeps its old access or role up to this long.",
        ),
        EnvVar("JWT_REFRESH_DAYS", "7", "Lifetime of a refresh token (rotated on each refresh)."),
        EnvVar("ORDER_HOLD_SECONDS", "600", "How long reserved seats are held for an unpaid order."),
        EnvVar(
            "WAITING_LIST_OFFER_SECONDS",
            "1800",
            "How long a waiting-list offer (a reserved order) holds its seats before they go to the next entry.",
        ),
        EnvVar(
            "SWEEP_INTERVAL_SECONDS",
            "2",
            "How often the tickets service releases expired holds and runs queued refunds.",
        ),
        EnvVar("OUTBOX_INTERVAL_SECONDS", "1", "How often a service publishes its outbox to the broker."),
        EnvVar("EMAIL_MAX_ATTEMPTS", "6", "SMTP attempts of an email before it is marked failed."),
        EnvVar(
            "EMAIL_RETRY_BACKOFF_SECONDS", "5", "First retry delay of a failed email; doubles each time, with jitter."
        ),
        EnvVar(
            "NOTIFICATION_CLAIM_SECONDS",
            "300",
            "A worker's claim on an email it is sending; once older, the worker is taken for dead (killed "
            "mid-send) and the redelivered send may claim it again. Keep it far longer than an SMTP conversation.",
        ),
        EnvVar("LOG_LEVEL", "INFO", "Log level of every process."),
        EnvVar(
            "LOG_FORMAT",
            "plain",
            "plain: one text line per record; json: one JSON object per line (timestamp, level, logger, message, "
            "request_id, exception). Every process.",
        ),
        EnvVar(
            "MICROTIX_METRICS_PORT_OFFSET",
            "1000",
            "Each gRPC service serves Prometheus metrics over HTTP on its gRPC port plus this (events 51051, "
            "tickets 51052, payments 51053, notifications 51054), on the same host; 0 turns them off.",
        ),
        EnvVar(
            "MICROTIX_WORKER_METRICS_ADDR",
            "127.0.0.1:51055",
            "host:port the Celery worker serves Prometheus metrics on; empty turns them off.",
        ),
        EnvVar("EMAIL_HOST", "", "SMTP host; unset means emails are printed by the console backend."),
        EnvVar("EMAIL_PORT", "25", "SMTP port."),
        EnvVar("DEFAULT_FROM_EMAIL", "MicroTix <tickets@microtix.local>", "Sender of every email."),
    )
}


def env(name: str) -> str:
    """The variable's value from the environment, else its declared default."""
    return os.environ.get(name, ENV_VARS[name].default)


def env_int(name: str) -> int:
    return int(env(name))


def env_float(name: str) -> float:
    return float(env(name))


def env_bool(name: str) -> bool:
    return env(name).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


def service_token() -> str:
    """The credential every internal gRPC call carries: MICROTIX_SERVICE_TOKEN, else an HMAC of
    SECRET_KEY, so every process sharing the key agrees with no more configuration."""
    return (
        env("MICROTIX_SERVICE_TOKEN")
        or hmac.new(env("SECRET_KEY").encode(), b"microtix.service-token", hashlib.sha256).hexdigest()
    )
