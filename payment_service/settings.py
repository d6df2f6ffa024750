from servicekit.base_settings import *  # noqa: F403
from servicekit.base_settings import GRPC_LISTEN_ADDRS, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "payment_service.payments"]

GRPC_LISTEN_ADDR = GRPC_LISTEN_ADDRS["payments"]
GRPC_FRAMEWORK = {"ROOT_HANDLERS_HOOK": "payment_service.payments.servicers.grpc_handlers"}

# Dotted path of the PaymentProvider class that charges cards (the built-in one simulates a processor).
PAYMENT_PROVIDER = "payment_service.payments.providers.SimulatedProvider"
