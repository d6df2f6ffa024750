"""ListPayments: the back office's view of payments and refunds."""

from decimal import Decimal

from grpc import StatusCode

from devkit.pages import sorted_ids, walk_pages
from payment_service.payments.models import Payment
from payment_service.payments.selectors import PAYMENT_SORTS
from payment_service.payments.tests.support import DECLINED, PaymentServiceTestCase
from protos.payments.v1 import payments_pb2
from servicekit.errors import DomainError
from servicekit.identity import Caller

STAFF = Caller(user_id=1, role="customer", is_staff=True)


class ListPaymentsTests(PaymentServiceTestCase):
    def list(self, caller: Caller = STAFF, **fields) -> payments_pb2.ListPaymentsResponse:
        return self.client.ListPayments(payments_pb2.ListPaymentsRequest(**fields), caller=caller)

    def test_staff_lists_payments_newest_first(self):
        for order_id in (1, 2, 3):
            self.charge(order_id)

        self.assertEqual([p.order_id for p in self.list().payments], [3, 2, 1])

    def test_listing_filters_by_status(self):
        self.charge(1)
        self.charge(2)
        self.refund(2)
        with self.assertRaises(DomainError):
            self.charge(3, DECLINED)

        self.assertEqual([p.order_id for p in self.list(status="refunded").payments], [2])
        self.assertEqual([p.order_id for p in self.list(status="declined").payments], [3])

    def test_listing_pages_follow_the_token(self):
        for order_id in range(1, 6):
            self.charge(order_id)

        first = self.list(page_size=2)
        second = self.list(page_size=2, page_token=first.next_page_token)

        self.assertEqual([p.order_id for p in [*first.payments, *second.payments]], [5, 4, 3, 2])

    def test_listing_by_a_non_staff_caller_is_permission_denied(self):
        with self.assertRaises(DomainError) as raised:
            self.list(caller=Caller(user_id=5, role="organizer"))

        self.assertEqual(raised.exception.status, StatusCode.PERMISSION_DENIED)


class CountedPaymentsTests(PaymentServiceTestCase):
    def test_payments_are_counted_with_their_filters(self):
        for n, status in enumerate(("succeeded", "refunded", "succeeded")):
            Payment.objects.create(order_id=800 + n, status=status, amount=Decimal("5.00"), currency="EUR")
        request = payments_pb2.ListPaymentsRequest(status="succeeded", page_size=1, with_total_count=True)

        first = self.client.ListPayments(request, caller=STAFF)

        self.assertEqual((len(first.payments), first.total_count), (1, 2))

    def test_payments_are_not_counted_unless_asked(self):
        Payment.objects.create(order_id=800, status="succeeded", amount=Decimal("5.00"), currency="EUR")

        self.assertEqual(self.client.ListPayments(payments_pb2.ListPaymentsRequest(), caller=STAFF).total_count, 0)


class SortedPaymentsTests(PaymentServiceTestCase):
    """The back office's columns: sorted by one of PAYMENT_SORTS, pages in that order."""

    def setUp(self):
        super().setUp()
        # Ties of amount and status: the pages still give each payment once, by id within a tie.
        rows = [("succeeded", "30.00"), ("refunded", "10.00"), ("succeeded", "30.00"), ("declined", "20.00")]
        self.ids = [
            Payment.objects.create(order_id=900 + n, status=status, amount=Decimal(amount), currency="EUR").id
            for n, (status, amount) in enumerate(rows)
        ]

    def listed(self, **fields) -> payments_pb2.ListPaymentsResponse:
        return self.client.ListPayments(payments_pb2.ListPaymentsRequest(**fields), caller=STAFF)

    def test_payments_sort_by_amount_ascending_ties_by_id(self):
        listed = [p.id for p in self.listed(order_by="amount").payments]

        self.assertEqual(listed, [self.ids[1], self.ids[3], self.ids[0], self.ids[2]])

    def walk(self, order_by: str) -> list[int]:
        """The ids of every page in `order_by`'s order, a payment a page."""
        return walk_pages(lambda token: self.listed(order_by=order_by, page_size=1, page_token=token))

    def test_pages_of_every_order_give_each_payment_once_in_that_order(self):
        for column in sorted(PAYMENT_SORTS):
            for order_by in (column, f"-{column}"):
                with self.subTest(order_by=order_by):
                    self.assertEqual(self.walk(order_by), sorted_ids(Payment, self.ids, order_by))

    def test_a_column_outside_the_allowlist_is_invalid_argument(self):
        with self.assertRaises(DomainError) as raised:
            self.listed(order_by="provider_charge_id")

        self.assertEqual(raised.exception.status, StatusCode.INVALID_ARGUMENT)
        self.assertEqual(list(raised.exception.field_errors), ["order_by"])
