"""Scenario 1: the payments service is killed (SIGKILL) while it charges a card.

python gateway_project/manage.py test tests.faults.test_payments_killed
"""

import time

from tests.faults.support import CLIENT_TIMEOUT, MARGIN, RECONNECTED_AFTER, SLOW_CARD, FaultTestCase


class PaymentsKilledDuringPayTest(FaultTestCase):
    def test_pay_answers_503_in_time_charges_nothing_and_succeeds_once_after_restart(self):
        _, ticket_type = self.create_event()
        customer, _ = self.new_customer()
        order = self.reserve(customer, ticket_type, quantity=2)
        paying = self.pay_in_background(customer, order, SLOW_CARD)
        self.wait_until_charging([order["id"]])

        self.stack.kill_process("payments")
        response, took = paying.result(timeout=CLIENT_TIMEOUT + MARGIN + 10)

        self.assertEqual((response.status, response.body["code"]), (503, "payments_unavailable"), response.body)
        self.assertLess(took, CLIENT_TIMEOUT + MARGIN)
        self.assertEqual(customer.get(f"/api/orders/{order['id']}/").body["status"], "reserved")
        self.assert_nothing_lost(charged_unpaid=self.charges(order["id"]))
        self.assertIsNone(self.payment_status(order["id"]))  # the killed charge's transaction rolled back

        self.stack.restart_process("payments")
        time.sleep(RECONNECTED_AFTER)
        paid = self.pay(customer, order, SLOW_CARD)

        self.assertEqual((paid.status, paid.body["status"], len(paid.body["tickets"])), (200, "paid", 2), paid.body)
        self.assert_paid_once_with_tickets(order["id"], quantity=2)
        self.assertEqual(self.payment_status(order["id"]), "succeeded")
        self.survived()
