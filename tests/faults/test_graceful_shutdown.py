"""Scenario 6: SIGTERM to a gRPC service while calls are in flight (payments of the slow test
card): the calls finish, and the service exits on its own within GRPC_GRACE_SECONDS.

    python gateway_project/manage.py test tests.faults.test_graceful_shutdown
"""

import signal
import time

from tests.faults.support import CLIENT_TIMEOUT, MARGIN, SLOW_CARD, SLOW_CARD_SECONDS, FaultTestCase

GRACE_SECONDS = 10.0
IN_FLIGHT = 3


class GracefulShutdownTest(FaultTestCase):
    @classmethod
    def stack_environ(cls):
        return {"GRPC_GRACE_SECONDS": str(GRACE_SECONDS)}

    def assert_calls_in_flight_finish_when(self, name: str) -> None:
        """Pay IN_FLIGHT orders at once, SIGTERM `name` while they are charged, and check."""
        _, ticket_type = self.create_event(capacity=IN_FLIGHT * 2)
        buyers = [self.new_customer()[0] for _ in range(IN_FLIGHT)]
        orders = [self.reserve(customer, ticket_type, quantity=2) for customer in buyers]
        paying = [
            self.pay_in_background(customer, order, SLOW_CARD) for customer, order in zip(buyers, orders, strict=True)
        ]
        self.wait_until_charging([order["id"] for order in orders])

        stopping = time.monotonic()
        exit_code = self.stack.stop_process(name, signal.SIGTERM, timeout=GRACE_SECONDS + 5)
        stopped_in = time.monotonic() - stopping
        self.addCleanup(self.stack.restart_process, name)
        answers = [future.result(timeout=CLIENT_TIMEOUT + MARGIN)[0] for future in paying]

        self.assertEqual([(a.status, a.body.get("status")) for a in answers], [(200, "paid")] * IN_FLIGHT, answers)
        for order in orders:
            self.assert_paid_once_with_tickets(order["id"], quantity=2)
        self.assertEqual(exit_code, 0)  # it exited by itself, not killed when the wait ran out
        self.assertLess(stopped_in, GRACE_SECONDS)
        self.assertGreater(stopped_in, SLOW_CARD_SECONDS / 2)  # it did wait for the calls
        self.assertIn("stopped", self.stack.log_path(name).read_text().splitlines()[-1])
        self.survived()

    def test_sigterm_to_the_payments_service_lets_its_charges_in_flight_finish(self):
        self.assert_calls_in_flight_finish_when("payments")

    def test_sigterm_to_the_tickets_service_lets_its_payments_in_flight_finish(self):
        self.assert_calls_in_flight_finish_when("tickets")
