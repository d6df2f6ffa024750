from servicekit.base_settings import *  # noqa: F403
from servicekit.base_settings import INSTALLED_APPS, VAR_DIR
from servicekit.config import env, env_int

INSTALLED_APPS = [*INSTALLED_APPS, "notify_service.notifications"]

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded broker for machines without RabbitMQ: messages are files under var/broker/.
    BROKER_DIR = VAR_DIR / "broker"
    BROKER_DIR.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(BROKER_DIR), "data_folder_out": str(BROKER_DIR)}
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
