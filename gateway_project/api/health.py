from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

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


class HealthView(APIView):
    """200 when every gRPC service and the database answer; 503 naming what does not."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

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
