from servicekit.base_settings import *  # noqa: F403
from servicekit.base_settings import CORES, GRPC_LISTEN_ADDRS, INSTALLED_APPS
from servicekit.config import env, env_float, env_int

INSTALLED_APPS = [*INSTALLED_APPS, "notify_service.notifications"]

GRPC_LISTEN_ADDR = GRPC_LISTEN_ADDRS["notifications"]
GRPC_FRAMEWORK = {"ROOT_HANDLERS_HOOK": "notify_service.notifications.servicers.grpc_handlers"}

# The emails' HTML and text parts: notify_service/notifications/templates/notifications/.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {},
    }
]

# Broker settings come from servicekit.base_settings (producers share them).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Pool processes: one per core by default, as each gRPC service's (GRPC_PROCESSES).
CELERY_WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY") or CORES
CELERY_TASK_IGNORE_RESULT = True
# Django's LOGGING (servicekit.logging_config: request id, LOG_FORMAT) handles the worker's lines too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # Reminders of the events starting within 24 hours (each buyer gets one, whatever the reruns).
    "send-reminders": {
        "task": "notifications.send_reminders",
        "schedule": 600.0,
        "options": {"expires": 540},  # a run the worker could not start in time is replaced by the next one
    },
    # Sends whose message was lost (a publish that failed, a worker that died mid-send) are queued again.
    "requeue-stalled": {
        "task": "notifications.requeue_stalled",
        "schedule": 600.0,
        "options": {"expires": 540},
    },
}

# Where the worker's main process serves the Prometheus metrics all its pool processes count
# (servicekit.metrics.serve_multiprocess); "" turns them off.
WORKER_METRICS_ADDR = env("MICROTIX_WORKER_METRICS_ADDR").strip()

EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
# Without an SMTP server, each email's text part is logged in the worker's console.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "notify_service.notifications.backends.ConsoleEmailBackend"
)
# Seconds any one SMTP operation may block; an answerless server is a failed attempt, not a stuck worker.
EMAIL_TIMEOUT = 30
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS")
EMAIL_RETRY_BACKOFF_SECONDS = env_float("EMAIL_RETRY_BACKOFF_SECONDS")

# A notification claimed for sending longer ago than this was abandoned by a worker that died
# mid-send and may be claimed again. Far longer than an SMTP conversation (EMAIL_TIMEOUT).
NOTIFICATION_CLAIM_SECONDS = env_float("NOTIFICATION_CLAIM_SECONDS")
# A notification still pending this long after its last attempt (or creation) lost its message.
NOTIFICATION_STALLED_SECONDS = 900
# Buyers per page of a fan-out (event updated, cancelled, reminders): one task per page.
NOTIFICATION_FAN_OUT_PAGE_SIZE = 500
