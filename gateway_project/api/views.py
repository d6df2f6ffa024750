"""The base of the API views that call services."""

from rest_framework.views import APIView

from gateway_project.api.openapi import ServiceSchema


class ServiceView(APIView):
    """A view whose requests reach the services named in `services` (as `clients` names them): those
    its handlers call, then those these call for it, in that order. From them the schema
    (ServiceSchema) gives each operation its 502 (`<service>_error`) and 503 (`<service>_unavailable`)
    responses, and a 401 for an invalid token."""

    services: tuple[str, ...] = ()
    schema = ServiceSchema()

    def get_services(self) -> tuple[str, ...]:
        """The services a request of this method reaches; override it (as get_permissions) where the
        handlers of a view reach different services."""
        return self.services
