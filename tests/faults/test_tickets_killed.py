"""Scenario 2: the tickets service dies after the charge succeeded but before the order was
marked paid. It is killed (SIGKILL) while the payments service charges the slow test card; the
charge goes on and succeeds, and nobody is left to complete the order.

    python gateway_project/manage.py test tests.faults.test_tickets_killed
"""

import time

from tests.faults.support import CLIENT_TIMEOUT, MARGIN, RECONNECTED_AFTER, SLOW_CARD, FaultTestCase, wait_until


class TicketsKilledAfterChargeTest(FaultTestCase):
    @classmethod
    def stack_environ(cls):
        return {"SWEEP_INTERVAL_SECONDS": "1"}

    def charged_order_left_unpaid(self, quantity: int = 2) -> tuple:
        """A customer and their order, charged while the tickets service was killed: the charge
        succeeded, the order is still reserved. The tickets service is running again."""
        _, ticket_type = self.create_event()
        customer, _ = self.new_customer()
        order = self.reserve(customer, ticket_type, quantity)
        paying = self.pay_in_background(customer, order, SLOW_CARD)
        self.wait_until_charging([order["id"]])

        self.stack.kill_process("tickets")
        response, _ = paying.result(timeout=CLIENT_TIMEOUT + MARGIN + 10)
        self.assertEqual((response.status, response.body["code"]), (503, "tickets_unavailable"), response.body)
        wait_until(lambda: self.payment_status(order["id"]) == "succeeded", 30, "the charge in flight to succeed")
        self.assertEqual((self.order_status(order["id"]), self.charges(order["id"])), ("reserved", 1))

        self.stack.restart_process("tickets")
        time.sleep(RECONNECTED_AFTER)
        return customer, order

    def test_paying_again_completes_the_order_with_its_one_charge(self):
        customer, order = self.charged_order_left_unpaid()

        paid = self.pay(customer, order, SLOW_CARD)

        self.assertEqual((paid.status, paid.body["status"], len(paid.body["tickets"])), (200, "paid", 2), paid.body)
        self.assert_paid_once_with_tickets(order["id"], quantity=2)
        self.survived()

    def test_the_sweep_completes_the_order_the_customer_never_paid_again_once_its_hold_lapsed(self):
        customer, order = self.charged_order_left_unpaid()
        # The clock, fast-forwarded: the hold lapsed and the charge started long ago (tickets'
        # CHARGE_SETTLED_AFTER), so the sweep asks the payments service how the charge ended.
        self.rows(
            "UPDATE tickets_order SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND,"
            " payment_started_at = UTC_TIMESTAMP(6) - INTERVAL 5 MINUTE WHERE id = %s",
            (order["id"],),
        )

        wait_until(lambda: self.order_status(order["id"]) != "reserved", 30, "the sweep to settle the order")

        self.assert_paid_once_with_tickets(order["id"], quantity=2)
        self.assertEqual(len(customer.get(f"/api/orders/{order['id']}/").body["tickets"]), 2)
        self.survived()

    def test_paying_again_after_the_hold_lapsed_completes_the_order_instead_of_expiring_it(self):
        customer, order = self.charged_order_left_unpaid()
        # The hold lapsed while the tickets service was down; the charge started a moment ago.
        self.rows(
            "UPDATE tickets_order SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE id = %s", (order["id"],)
        )

        paid = self.pay(customer, order, SLOW_CARD)

        self.assertEqual((paid.status, paid.body.get("status")), (200, "paid"), paid.body)
        self.assert_paid_once_with_tickets(order["id"], quantity=2)
        self.survived()
