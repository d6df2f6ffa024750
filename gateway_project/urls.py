from django.contrib import admin
from django.urls import include, path, register_converter

from gateway_project.api.health import HealthView


class IdConverter:
    """Positive ids that fit a signed 64-bit integer, so an absurd id is a 404, not a crash."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("gateway_project.accounts.urls")),
    path("api/events/", include("gateway_project.events_api.urls")),
    path("api/health/", HealthView.as_view(), name="health"),
    # Orders, tickets and check-ins: /api/orders/, /api/tickets/, /api/checkins/.
    path("api/", include("gateway_project.ticketing_api.urls")),
    path("api-auth/", include("rest_framework.urls")),
]
