"""The base of the API views that call services, and the API root (/api/)."""

from rest_framework import permissions, routers
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


class EditFormView(ServiceView):
    """A view of one resource whose PATCH form in the browsable API (its raw data form: DRF gives an HTML
    form to PUT only) starts with the resource's current values. DRF fills them from a model instance; here the
    BrowsableAPIRenderer gives get_serializer the message the page's response rendered (the handlers
    build their serializers themselves), and `form_values` turns it into the values of
    `serializer_class`: the form has those fields only (a PATCH leaves the others as they are)."""

    def get_serializer(self, *args, instance=None, **kwargs):
        values = None if instance is None else self.form_values(instance)
        kwargs.setdefault("context", {"request": self.request, "view": self})
        serializer = self.serializer_class(*args, instance=values, **kwargs)
        for name in set(serializer.fields) - set(values or serializer.fields):
            serializer.fields.pop(name)
        return serializer

    def form_values(self, instance) -> dict:
        """The form's values (as `serializer_class` reads them) from `instance`, what the response rendered."""
        raise NotImplementedError


class APIRootView(routers.APIRootView):
    """MicroTix's REST API. Each link below is an endpoint; `/api/docs/` (Swagger UI) and `/api/redoc/`
    describe them all. Send `Authorization: Bearer <access token>` (from `auth-token`) where a login is
    needed, or log in above to use the browsable API with a session."""

    permission_classes = [permissions.AllowAny]
    # Key -> URL name, in the order shown (DRF's DefaultRouter root, over the gateway's own routes).
    api_root_dict = {
        "events": "event-list",
        "my-events": "event-mine",
        "staffed-events": "event-staffed",
        "orders": "order-list",
        "tickets": "ticket-list",
        "checkins": "checkin",
        "checkin-lookup": "checkin-lookup",
        "auth-register": "register",
        "auth-token": "token",
        "auth-token-refresh": "token-refresh",
        "auth-logout": "logout",
        "auth-me": "me",
        "schema": "schema",
        "docs": "docs",
        "redoc": "redoc",
        "health": "health",
        "health-live": "health-live",
    }
