from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from gateway_project.api.openapi import ResponseSerializer
from servicekit.grpc_client import health_status

HEALTH_TIMEOUT = 2.0


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return "unavailable"
    return "ok"


def _service_status(target: str) -> str:
    answer = health_status(target, timeout=HEALTH_TIMEOUT)
    return "ok" if answer == "SERVING" else answer.lower()


# Two enums of the same values: each its own enum-id, so the schema names them apart (HealthStatus, Database).
@extend_schema_field({"type": "string", "enum": ["ok", "unavailable"], "x-spec-enum-id": "health-status"})
class HealthStatusField(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "enum": ["ok", "unavailable"], "x-spec-enum-id": "database-status"})
class DatabaseStatusField(serializers.CharField):
    pass


class HealthSerializer(ResponseSerializer):
    """The health of the gateway's dependencies."""

    status = HealthStatusField(help_text="ok when everything below is ok.")
    services = serializers.DictField(
        child=serializers.CharField(),
        help_text="Each gRPC service (events, tickets, payments, notifications) -> ok, or how it failed "
        "(e.g. unavailable, not_serving).",
    )
    database = DatabaseStatusField()


class HealthView(APIView):
    """200 when every gRPC service and the database answer; 503 naming what does not."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Health",
        description="200 when every gRPC service and the database answer; 503 naming what does not. Public.",
        responses={
            200: HealthSerializer,
            503: OpenApiResponse(HealthSerializer, description="Something does not answer: see which."),
        },
    )
    def get(self, request):
        names = list(settings.GRPC_ADDRS)
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            answers = list(pool.map(_service_status, settings.GRPC_ADDRS.values()))
        services = dict(zip(names, answers, strict=True))
        database = _database_status()
        healthy = database == "ok" and all(answer == "ok" for answer in answers)
        return Response(
            {"status": "ok" if healthy else "unavailable", "services": services, "database": database},
            status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE,
        )


class LivenessSerializer(ResponseSerializer):
    """The gateway process answers."""

    status = serializers.CharField(help_text="Always ok.")


class LivenessView(APIView):
    """200 whenever this gateway process answers HTTP; asks no dependency. For liveness and readiness
    probes: a database or service outage is shared by every replica, so it must neither restart nor
    unroute them (they answer it themselves, with 503s naming what is down; see HealthView)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Liveness",
        description="200 whenever the gateway process answers; checks no dependency (see /api/health/). Public.",
        responses={200: LivenessSerializer},
    )
    def get(self, request):
        return Response({"status": "ok"})
