"""gRPC glue of this service. Until its contract lands (ticketing issue) the
server exposes only the standard health and reflection services."""


def grpc_handlers(server) -> None:
    """Register this service's servicers on `server` (none yet)."""
