from servicekit.base_settings import *  # noqa: F403
from servicekit.base_settings import DB_MAX_CONNECTIONS, GRPC_LISTEN_ADDRS, GRPC_MAX_WORKERS, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "payment_service.payments"]

GRPC_LISTEN_ADDR = GRPC_LISTEN_ADDRS["payments"]
GRPC_FRAMEWORK = {"ROOT_HANDLERS_HOOK": "payment_service.payments.servicers.grpc_handlers"}
# A charge holds its transaction (the order's payment row locked) while the provider answers, seconds
# at worst: fewer connections than threads would queue charges behind a slow provider past their deadline.
# (DB_KEEP_CONNECTIONS stays the default's: after a burst, the idle ones are closed.)
DB_MAX_CONNECTIONS = max(DB_MAX_CONNECTIONS, GRPC_MAX_WORKERS)
# For the same reason no limit of calls running at once (servicekit.admission): a charge waiting on the
# provider holds its transaction, so it cannot give its turn away.
RUNNING_CALLS = 0

# Dotted path of the PaymentProvider class that charges cards (the built-in one simulates a processor).
PAYMENT_PROVIDER = "payment_service.payments.providers.SimulatedProvider"
