from devkit.grpc_testing import GrpcServerTestCase
from servicekit.grpc_client import health_status


class ServerTest(GrpcServerTestCase):
    def test_server_answers_health_checks_as_serving(self):
        self.assertEqual(health_status(self.grpc_target, timeout=5), "SERVING")

    def test_payment_service_is_registered_and_serving(self):
        status = health_status(self.grpc_target, timeout=5, service="microtix.payments.v1.PaymentService")

        self.assertEqual(status, "SERVING")
