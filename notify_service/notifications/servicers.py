"""gRPC glue of microtix.notifications.v1.NotificationService (being written)."""


def grpc_handlers(server) -> None:
    """Register this service's servicers on `server` (none yet)."""
