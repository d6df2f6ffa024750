from django.contrib import admin
from django.urls import include, path, register_converter
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from gateway_project.api.health import HealthView, LivenessView
from gateway_project.api.views import APIRootView
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
    # A page linking the API, its docs, the admin and health (the admin's "View site" comes here).
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    # A link to each endpoint, as JSON and as the browsable API's page.
    path("api/", APIRootView.as_view(), name="api-root"),
    path("api/auth/", include("gateway_project.accounts.urls")),
    path("api/events/", include("gateway_project.events_api.urls")),
    path("api/health/", HealthView.as_view(), name="health"),
    path("api/health/live/", LivenessView.as_view(), name="health-live"),
    # The OpenAPI 3 description of the API (YAML; ?format=json for JSON), Swagger UI and ReDoc over it: public.
    path("api/schema/", SpectacularAPIView.as_view(authentication_classes=[]), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema", authentication_classes=[]), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", authentication_classes=[]), name="redoc"),
    # Orders, tickets and check-ins: /api/orders/, /api/tickets/, /api/checkins/.
    path("api/", include("gateway_project.ticketing_api.urls")),
    path("api-auth/", include("rest_framework.urls")),
    # Prometheus text format, summed over every gunicorn worker (servicekit.metrics).
    path("metrics", metrics_view, name="metrics"),
]

# A URL nothing routes under /api/ is a JSON 404 like every other API error.
handler404 = "gateway_project.api.errors.not_found"
