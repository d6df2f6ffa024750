"""GET /api/health/: every gRPC service and the database, 503 naming what does not answer;
GET /api/health/live/: the gateway process answers, whatever is down."""

import socket

from django.test import override_settings
from rest_framework import status

from devkit.net import free_port
from gateway_project.tests.base import GatewayAPITestCase

HEALTH_URL = "/api/health/"
LIVENESS_URL = "/api/health/live/"


class HealthAPITests(GatewayAPITestCase):
    def with_service_down(self, name: str):
        return override_settings(GRPC_ADDRS={**self.services.grpc_addrs, name: f"127.0.0.1:{free_port()}"})

    def test_health_is_ok_when_every_service_and_the_database_answer(self):
        response = self.client.get(HEALTH_URL)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(
            response.json(),
            {
                "status": "ok",
                "services": {"events": "ok", "tickets": "ok", "payments": "ok", "notifications": "ok"},
                "database": "ok",
            },
        )

    def test_health_needs_no_authentication_even_with_a_bad_token(self):
        response = self.client.get(HEALTH_URL, HTTP_AUTHORIZATION="Bearer not.a.token")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)

    def test_health_names_an_unreachable_service_as_not_ok(self):
        for name in ("events", "tickets", "payments", "notifications"):
            with self.subTest(service=name), self.with_service_down(name):
                response = self.client.get(HEALTH_URL)

                self.assertEqual(response.status_code, status.HTTP_503_SERVICE_UNAVAILABLE, response.content)
                body = response.json()
                self.assertNotEqual(body["status"], "ok")
                self.assertNotEqual(body["services"][name], "ok")
                others = {other: answer for other, answer in body["services"].items() if other != name}
                self.assertEqual(others, {other: "ok" for other in others})
                self.assertEqual(len(others), 3)
                self.assertEqual(body["database"], "ok")

    def test_health_names_a_service_that_does_not_answer_as_not_ok(self):
        with socket.socket() as silent:  # accepts connections, never speaks
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            addrs = {**self.services.grpc_addrs, "tickets": f"127.0.0.1:{silent.getsockname()[1]}"}
            with override_settings(GRPC_ADDRS=addrs):
                response = self.client.get(HEALTH_URL)

        self.assertEqual(response.status_code, status.HTTP_503_SERVICE_UNAVAILABLE, response.content)
        self.assertNotEqual(response.json()["services"]["tickets"], "ok")
        self.assertEqual(response.json()["services"]["events"], "ok")


class LivenessAPITests(GatewayAPITestCase):
    def test_liveness_is_ok_while_a_service_is_down(self):
        addrs = {**self.services.grpc_addrs, "tickets": f"127.0.0.1:{free_port()}"}
        with override_settings(GRPC_ADDRS=addrs):
            self.assertEqual(self.client.get(HEALTH_URL).status_code, status.HTTP_503_SERVICE_UNAVAILABLE)
            response = self.client.get(LIVENESS_URL)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json(), {"status": "ok"})
