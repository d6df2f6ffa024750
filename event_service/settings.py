from servicekit.base_settings import *  # noqa: F403
from servicekit.base_settings import GRPC_LISTEN_ADDRS, INSTALLED_APPS
from servicekit.config import env_float

INSTALLED_APPS = [*INSTALLED_APPS, "event_service.events"]

GRPC_LISTEN_ADDR = GRPC_LISTEN_ADDRS["events"]
GRPC_FRAMEWORK = {"ROOT_HANDLERS_HOOK": "event_service.events.servicers.grpc_handlers"}
PERIODIC_TASKS = [("event_service.events.services.relay_outbox", env_float("OUTBOX_INTERVAL_SECONDS"))]
