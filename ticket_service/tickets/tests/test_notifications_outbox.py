"""What the tickets service promises the notification worker, and the buyers it tells it about."""

from grpc import StatusCode

from protos.tickets.v1 import tickets_pb2
from ticket_service.tickets.models import OutboxMessage
from ticket_service.tickets.services import cancellation
from ticket_service.tickets.tests.support import DECLINED, TicketServiceTestCase, new_caller


class OrderPaidOutboxTests(TicketServiceTestCase):
    def test_paying_records_an_order_paid_task_with_the_buyer_and_every_ticket(self):
        ticket_type = self.make_ticket_type(price="15.00")
        order = self.paid_order(ticket_type.id, 2)

        [message] = OutboxMessage.objects.filter(kwargs__order_id=order.id)
        self.assertEqual(message.task_name, "notifications.order_paid")
        self.assertEqual(message.kwargs["email"], order.email)
        self.assertEqual(message.kwargs["event_id"], ticket_type.event_id)
        self.assertEqual((message.kwargs["total"], message.kwargs["currency"]), ("30.00", "USD"))
        self.assertEqual(
            message.kwargs["tickets"],
            [
                {"id": t.id, "code": t.code, "ticket_type_id": ticket_type.id, "holder_name": order.full_name}
                for t in order.tickets
            ],
        )
        self.assertEqual(
            message.kwargs["lines"],
            [
                {
                    "ticket_type_id": ticket_type.id,
                    "name": ticket_type.name,
                    "quantity": 2,
                    "unit_price": "15.00",
                    "discount": "0.00",
                    "total": "30.00",
                }
            ],
        )

    def test_paying_twice_records_one_task(self):
        ticket_type = self.make_ticket_type()
        order = self.paid_order(ticket_type.id)

        self.pay(order.id)

        self.assertEqual(OutboxMessage.objects.filter(kwargs__order_id=order.id).count(), 1)

    def test_a_declined_payment_records_nothing(self):
        ticket_type = self.make_ticket_type()
        order = self.reserve_order(ticket_type.id)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "payment_declined",
            "PayOrder",
            self.CUSTOMER,
            order_id=order.id,
            card=tickets_pb2.Card(number=DECLINED, exp_month=12, exp_year=2099, cvc="123"),
        )

        self.assertFalse(OutboxMessage.objects.filter(kwargs__order_id=order.id).exists())


class ListEventBuyersTests(TicketServiceTestCase):
    def buyers(self, event_id: int, **fields) -> tickets_pb2.ListEventBuyersResponse:
        return self.call("ListEventBuyers", None, event_id=event_id, **fields)

    def test_each_buyer_appears_once_with_the_total_they_paid(self):
        ticket_type = self.make_ticket_type(price="10.00")
        self.paid_order(ticket_type.id, 2)
        self.paid_order(ticket_type.id, 1)
        self.paid_order(ticket_type.id, 3, self.OTHER_CUSTOMER)

        buyers = {b.email: (b.amount_paid, b.tickets) for b in self.buyers(ticket_type.event_id).buyers}

        self.assertEqual(
            buyers,
            {
                f"user{self.CUSTOMER.user_id}@example.com": ("30.00", 3),
                f"user{self.OTHER_CUSTOMER.user_id}@example.com": ("30.00", 3),
            },
        )

    def test_reservations_that_were_never_paid_are_not_buyers(self):
        ticket_type = self.make_ticket_type()
        self.reserve_order(ticket_type.id)

        self.assertEqual(list(self.buyers(ticket_type.event_id).buyers), [])

    def test_buyers_of_a_cancelled_event_are_still_listed_with_what_is_refunded(self):
        ticket_type = self.make_ticket_type(price="12.50")
        self.paid_order(ticket_type.id, 2)

        self.cancel_event(ticket_type.event_id)
        cancellation.refund_pending_orders()

        [buyer] = self.buyers(ticket_type.event_id).buyers
        self.assertEqual(buyer.amount_paid, "25.00")

    def test_pages_follow_the_token_by_email_without_repeats(self):
        ticket_type = self.make_ticket_type(capacity=20)
        callers = [new_caller("customer") for _ in range(5)]
        for caller in callers:
            self.paid_order(ticket_type.id, 1, caller)

        seen, token = [], ""
        while True:
            page = self.buyers(ticket_type.event_id, page_size=2, page_token=token)
            seen += [b.email for b in page.buyers]
            token = page.next_page_token
            if not token:
                break

        self.assertEqual(seen, sorted(f"user{c.user_id}@example.com" for c in callers))
