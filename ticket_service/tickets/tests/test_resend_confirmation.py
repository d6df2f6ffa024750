"""ResendConfirmation: a paid order's confirmation email again, a new one each time."""

from grpc import StatusCode

from protos.tickets.v1 import tickets_pb2
from ticket_service.tickets.models import OutboxMessage
from ticket_service.tickets.tests.support import TicketServiceTestCase


def confirmations(order_id: int) -> list[dict]:
    rows = OutboxMessage.objects.filter(task_name="notifications.order_paid", kwargs__order_id=order_id)
    return [row.kwargs for row in rows.order_by("id")]


class ResendConfirmationTests(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.make_ticket_type(price="20.00")
        self.event_id = self.ticket_type.event_id

    def test_the_buyer_gets_a_new_confirmation_each_time(self):
        paid = self.paid_order(self.ticket_type.id, 2)

        for _ in range(2):
            order = self.call("ResendConfirmation", self.CUSTOMER, order_id=paid.id)

        self.assertEqual(order.id, paid.id)
        first, *resent = confirmations(paid.id)
        self.assertEqual([message.get("resend") for message in resent], [1, 2])
        self.assertEqual([{**message, "resend": None} for message in resent], [{**first, "resend": None}] * 2)

    def test_the_events_organizer_or_staff_may_resend_it(self):
        paid = self.paid_order(self.ticket_type.id)

        for caller in (self.ORGANIZER, self.STAFF):
            self.call("ResendConfirmation", caller, order_id=paid.id, event_id=self.event_id)

        self.assertEqual(len(confirmations(paid.id)), 3)

    def test_a_resent_confirmation_lists_only_the_tickets_still_valid(self):
        paid = self.paid_order(self.ticket_type.id, 2)
        self.call(
            "RefundOrder", self.ORGANIZER, event_id=self.event_id, order_id=paid.id, ticket_ids=[paid.tickets[0].id]
        )

        self.call("ResendConfirmation", self.CUSTOMER, order_id=paid.id)

        self.assertEqual([ticket["id"] for ticket in confirmations(paid.id)[-1]["tickets"]], [paid.tickets[1].id])

    def test_an_order_that_is_not_paid_is_order_not_paid(self):
        reserved = self.reserve_order(self.ticket_type.id)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION, "order_not_paid", "ResendConfirmation", self.CUSTOMER, order_id=reserved.id
        )
        self.assertEqual(confirmations(reserved.id), [])

    def test_someone_elses_order_is_not_found_and_another_organizer_is_denied(self):
        paid = self.paid_order(self.ticket_type.id)

        self.assertFails(StatusCode.NOT_FOUND, None, "ResendConfirmation", self.OTHER_CUSTOMER, order_id=paid.id)
        self.assertFails(
            StatusCode.PERMISSION_DENIED,
            None,
            "ResendConfirmation",
            self.OTHER_ORGANIZER,
            order_id=paid.id,
            event_id=self.event_id,
        )
        other_event = self.make_event().id
        self.assertFails(
            StatusCode.NOT_FOUND, None, "ResendConfirmation", self.ORGANIZER, order_id=paid.id, event_id=other_event
        )
        self.assertEqual(len(confirmations(paid.id)), 1)

    def test_the_answer_is_the_order(self):
        paid = self.paid_order(self.ticket_type.id)

        order = self.call("ResendConfirmation", self.CUSTOMER, order_id=paid.id)

        self.assertEqual((order.status, order.total), (tickets_pb2.ORDER_STATUS_PAID, "20.00"))
