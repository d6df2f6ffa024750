"""The back office's listings of the tickets service: ListOrders, ListEventOrders, ListTickets and
ListVouchers sorted by a column of their allowlist (order_by) with keyset pages in that order, the
number of every row of the filters (with_total_count), and the orders' date hierarchy
(created_after, created_before; date_hierarchy, time_zone)."""

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal

from grpc import StatusCode

from devkit.pages import sorted_ids, walk_pages
from servicekit.timestamps import to_timestamp
from ticket_service.tickets.models import Order, Ticket, Voucher
from ticket_service.tickets.services.selectors import ORDER_SORTS, TICKET_SORTS, VOUCHER_SORTS
from ticket_service.tickets.tests.support import TicketServiceTestCase


def token_of(value) -> str:
    """A page token as a sorted listing writes one: JSON, in URL-safe base64 without its padding."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def at(year: int, month: int = 1, day: int = 1, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


class ListingTestCase(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.make_ticket_type(capacity=100)
        self.event_id = self.ticket_type.event_id

    def order(self, **row) -> int:
        """A reserved order of the event, its row then given `row`'s values (a created_at, a total...)."""
        order_id = self.reserve_order(self.ticket_type.id).id
        Order.objects.filter(pk=order_id).update(**row)
        return order_id

    def orders(self, **fields):
        return self.call("ListOrders", self.STAFF, all_users=True, event_id=self.event_id, **fields)

    def voucher(self, code: str) -> int:
        created = self.call(
            "CreateVouchers",
            self.ORGANIZER,
            event_id=self.event_id,
            code=code,
            discount_kind="percent",
            discount_value="10",
        )
        return created.vouchers[0].id

    def walk(self, method: str, **fields) -> list[int]:
        """The ids of every page of the listing, 2 rows a page."""
        return walk_pages(lambda token: self.call(method, self.STAFF, page_size=2, page_token=token, **fields))


class SortedOrdersTests(ListingTestCase):
    def setUp(self):
        super().setUp()
        # Ties on every column: the pages must still give each order once, by id within a tie.
        rows = [
            {"total": "30.00", "status": "paid", "email": "b@example.com", "quantity": 2, "created_at": at(2030, 3)},
            {
                "total": "10.00",
                "status": "reserved",
                "email": "a@example.com",
                "quantity": 1,
                "created_at": at(2030, 1),
            },
            {
                "total": "30.00",
                "status": "cancelled",
                "email": "b@example.com",
                "quantity": 2,
                "created_at": at(2030, 3),
            },
            {"total": "20.00", "status": "paid", "email": "c@example.com", "quantity": 1, "created_at": at(2029, 7)},
            {"total": "30.00", "status": "paid", "email": "a@example.com", "quantity": 3, "created_at": at(2030, 3)},
        ]
        self.ids = [self.order(**row) for row in rows]

    def test_orders_sort_by_total_ascending(self):
        listed = [o.id for o in self.orders(order_by="total").orders]

        self.assertEqual(
            [Order.objects.get(pk=i).total for i in listed], [Decimal(t) for t in ("10", "20", "30", "30", "30")]
        )

    def test_orders_of_one_total_sort_by_id_in_the_same_direction(self):
        thirty = [self.ids[0], self.ids[2], self.ids[4]]

        self.assertEqual([o.id for o in self.orders(order_by="total").orders][2:], thirty)
        self.assertEqual([o.id for o in self.orders(order_by="-total").orders][:3], thirty[::-1])

    def test_pages_of_every_order_give_each_order_once_in_that_order(self):
        for column in sorted(ORDER_SORTS):
            for order_by in (column, f"-{column}"):
                with self.subTest(order_by=order_by):
                    walked = self.walk("ListOrders", all_users=True, event_id=self.event_id, order_by=order_by)

                    self.assertEqual(walked, sorted_ids(Order, self.ids, order_by))

    def test_the_event_s_orders_page_by_every_order_too(self):
        for order_by in ("created_at", "-created_at", "status", "-email"):
            with self.subTest(order_by=order_by):
                walked = self.walk("ListEventOrders", event_id=self.event_id, order_by=order_by)

                self.assertEqual(walked, sorted_ids(Order, self.ids, order_by))

    def test_no_order_by_is_newest_first_with_the_last_id_as_token(self):
        page = self.orders(page_size=2)

        self.assertEqual([o.id for o in page.orders], self.ids[:-3:-1])
        self.assertEqual(page.next_page_token, str(self.ids[-2]))

    def test_a_column_outside_the_allowlist_is_invalid_argument_on_order_by(self):
        for order_by in ("paid_at", "-expires_at", "idempotency_key", "--total", "total;drop"):
            with self.subTest(order_by=order_by):
                error = self.assertFails(
                    StatusCode.INVALID_ARGUMENT, None, "ListOrders", self.STAFF, all_users=True, order_by=order_by
                )

                self.assertEqual(list(error.field_errors), ["order_by"])

    def test_a_page_token_of_another_order_is_invalid_argument(self):
        token = self.orders(page_size=2, order_by="total").next_page_token

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "ListOrders",
            self.STAFF,
            all_users=True,
            order_by="-total",
            page_token=token,
        )

        self.assertEqual(list(error.field_errors), ["cursor"])

    def test_a_forged_page_token_of_a_sorted_listing_is_invalid_argument(self):
        forged = {
            "not base64": ("total", "x"),
            "not the order, its value and an id": ("total", token_of([])),
            "not an amount": ("total", token_of(["total", "ten", 1])),
            "an amount no row has": ("total", token_of(["total", "NaN", 1])),
            "a time without its zone": ("created_at", token_of(["created_at", "2030-01-01T00:00:00", 1])),
            "an id of the newest first order": ("total", "123"),
        }
        for case, (order_by, token) in forged.items():
            with self.subTest(case):
                error = self.assertFails(
                    StatusCode.INVALID_ARGUMENT,
                    None,
                    "ListOrders",
                    self.STAFF,
                    all_users=True,
                    order_by=order_by,
                    page_token=token,
                )

                self.assertEqual(list(error.field_errors), ["cursor"])


class OrderCountTests(ListingTestCase):
    def test_the_total_count_is_every_order_of_the_filters_on_every_page(self):
        for _ in range(3):
            self.order(status="paid")
        self.order(status="cancelled")

        first = self.orders(status="paid", page_size=2, with_total_count=True)
        second = self.orders(status="paid", page_size=2, with_total_count=True, page_token=first.next_page_token)

        self.assertEqual((first.total_count, second.total_count), (3, 3))

    def test_the_event_s_orders_are_counted_with_their_filters(self):
        self.order(email="ann@example.com")
        self.order(email="bob@example.com")

        listed = self.call("ListEventOrders", self.STAFF, event_id=self.event_id, query="ann", with_total_count=True)

        self.assertEqual(listed.total_count, 1)

    def test_orders_are_not_counted_unless_asked(self):
        self.order()

        self.assertEqual(self.orders().total_count, 0)


class OrderDateTests(ListingTestCase):
    def setUp(self):
        super().setUp()
        self.early = self.order(created_at=at(2029, 12, 31, 23))
        self.new_year = self.order(created_at=at(2030, 1, 1))
        self.spring = self.order(created_at=at(2030, 4, 2, 10))
        self.later = self.order(created_at=at(2030, 4, 9))

    def test_orders_created_from_created_after_to_before_created_before_are_listed(self):
        listed = self.orders(created_after=to_timestamp(at(2030)), created_before=to_timestamp(at(2030, 4, 9)))

        self.assertEqual([o.id for o in listed.orders], [self.spring, self.new_year])

    def test_the_date_hierarchy_gives_the_years_orders_were_created_in(self):
        listed = self.orders(date_hierarchy="year")

        self.assertEqual([p.ToDatetime(tzinfo=UTC) for p in listed.created_dates.periods], [at(2029), at(2030)])

    def test_the_date_hierarchy_gives_the_months_of_the_year_chosen(self):
        listed = self.orders(
            date_hierarchy="month", created_after=to_timestamp(at(2030)), created_before=to_timestamp(at(2031))
        )

        self.assertEqual([p.ToDatetime(tzinfo=UTC) for p in listed.created_dates.periods], [at(2030, 1), at(2030, 4)])

    def test_the_date_hierarchy_gives_the_days_of_the_month_chosen(self):
        listed = self.orders(
            date_hierarchy="day", created_after=to_timestamp(at(2030, 4)), created_before=to_timestamp(at(2030, 5))
        )

        self.assertEqual(
            [p.ToDatetime(tzinfo=UTC) for p in listed.created_dates.periods], [at(2030, 4, 2), at(2030, 4, 9)]
        )

    def test_the_date_hierarchy_keeps_the_other_filters(self):
        Order.objects.filter(pk=self.early).update(status="paid")

        listed = self.orders(date_hierarchy="year", status="paid")

        self.assertEqual([p.ToDatetime(tzinfo=UTC) for p in listed.created_dates.periods], [at(2029)])

    def test_no_date_hierarchy_asked_answers_no_periods(self):
        self.assertEqual(list(self.orders().created_dates.periods), [])

    def test_an_unknown_level_is_invalid_argument_on_date_hierarchy(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, None, "ListOrders", self.STAFF, all_users=True, date_hierarchy="week"
        )

        self.assertEqual(list(error.field_errors), ["date_hierarchy"])

    def test_an_unknown_time_zone_is_invalid_argument_on_time_zone(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "ListOrders",
            self.STAFF,
            all_users=True,
            date_hierarchy="year",
            time_zone="Mars/Olympus",
        )

        self.assertEqual(list(error.field_errors), ["time_zone"])


class TicketAndVoucherCountTests(ListingTestCase):
    def test_tickets_are_counted_with_their_filters(self):
        self.paid_order(self.ticket_type.id, quantity=3)

        listed = self.call(
            "ListTickets", self.STAFF, all_users=True, event_id=self.event_id, page_size=1, with_total_count=True
        )

        self.assertEqual((len(listed.tickets), listed.total_count), (1, 3))

    def test_an_event_s_vouchers_are_counted(self):
        for code in ("BETA", "ALPHA", "GAMMA"):
            self.voucher(code)

        listed = self.call("ListVouchers", self.ORGANIZER, event_id=self.event_id, page_size=2, with_total_count=True)

        self.assertEqual((len(listed.vouchers), listed.total_count), (2, 3))


class SortedTicketsAndVouchersTests(ListingTestCase):
    def test_tickets_page_by_every_order_of_their_allowlist(self):
        order = self.paid_order(self.ticket_type.id, quantity=3)
        ids = [ticket.id for ticket in order.tickets]
        for ticket_id, name in zip(ids, ("Bea", "Abe", "Bea"), strict=True):
            Ticket.objects.filter(pk=ticket_id).update(holder_name=name)

        for column in sorted(TICKET_SORTS):
            for order_by in (column, f"-{column}"):
                with self.subTest(order_by=order_by):
                    walked = self.walk("ListTickets", all_users=True, event_id=self.event_id, order_by=order_by)

                    self.assertEqual(walked, sorted_ids(Ticket, ids, order_by))

    def test_vouchers_sort_by_code(self):
        for code in ("BETA", "ALPHA", "GAMMA"):
            self.voucher(code)

        listed = self.call("ListVouchers", self.ORGANIZER, event_id=self.event_id, order_by="-code")

        self.assertEqual([v.code for v in listed.vouchers], ["GAMMA", "BETA", "ALPHA"])

    def test_vouchers_page_by_every_order_of_their_allowlist(self):
        ids = [self.voucher(code) for code in ("CODEB", "CODEA", "CODEC", "CODED")]
        Voucher.objects.filter(pk__in=ids[:2]).update(uses=1, active=False)

        for column in sorted(VOUCHER_SORTS):
            for order_by in (column, f"-{column}"):
                with self.subTest(order_by=order_by):
                    walked = self.walk("ListVouchers", event_id=self.event_id, order_by=order_by)

                    self.assertEqual(walked, sorted_ids(Voucher, ids, order_by))
