from servicekit.base_settings import *  # noqa: F403
from servicekit.base_settings import GRPC_LISTEN_ADDRS, INSTALLED_APPS
from servicekit.config import env_float, env_int

INSTALLED_APPS = [*INSTALLED_APPS, "ticket_service.tickets"]

GRPC_LISTEN_ADDR = GRPC_LISTEN_ADDRS["tickets"]
GRPC_FRAMEWORK = {"ROOT_HANDLERS_HOOK": "ticket_service.tickets.servicers.grpc_handlers"}

ORDER_HOLD_SECONDS = env_int("ORDER_HOLD_SECONDS")
WAITING_LIST_OFFER_SECONDS = env_int("WAITING_LIST_OFFER_SECONDS")
PERIODIC_TASKS = [
    ("ticket_service.tickets.services.periodic.sweep", env_float("SWEEP_INTERVAL_SECONDS")),
    ("ticket_service.tickets.services.periodic.relay_outbox", env_float("OUTBOX_INTERVAL_SECONDS")),
]
