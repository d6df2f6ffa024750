from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from gateway_project.api.health import HealthView, LivenessView
from servicekit.metrics import metrics_view


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
    path("api/health/live/", LivenessView.as_view(), name="health-live"),
    # The OpenAPI 3 description of the API (YAML; ?format=json for JSON) and Swagger UI over it: public.
    path("api/schema/", SpectacularAPIView.as_view(authentication_classes=[]), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema", authentication_classes=[]), name="docs"),
    # Orders, tickets and check-ins: /api/orders/, /api/tickets/, /api/checkins/.
    path("api/", include("gateway_project.ticketing_api.urls")),
    path("api-auth/", include("rest_framework.urls")),
    # Prometheus text format, summed over every gunicorn worker (servicekit.metrics).
    path("metrics", metrics_view, name="metrics"),
]

# A URL nothing routes under /api/ is a JSON 404 like every other API error.
handler404 = "gateway_project.api.errors.not_found"
