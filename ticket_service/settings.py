from servicekit.base_settings import *  # noqa: F403
from servicekit.base_settings import GRPC_ADDRS, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "ticket_service.tickets"]

GRPC_LISTEN_ADDR = GRPC_ADDRS["tickets"]
GRPC_FRAMEWORK = {"ROOT_HANDLERS_HOOK": "ticket_service.tickets.servicers.grpc_handlers"}
