from servicekit.base_settings import *  # noqa: F403
from servicekit.base_settings import GRPC_ADDRS, INSTALLED_APPS
from servicekit.config import env, env_int

INSTALLED_APPS = [*INSTALLED_APPS, "notify_service.notifications"]

GRPC_LISTEN_ADDR = GRPC_ADDRS["notifications"]
GRPC_FRAMEWORK = {"ROOT_HANDLERS_HOOK": "notify_service.notifications.servicers.grpc_handlers"}

# Broker settings come from servicekit.base_settings (producers share them).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
