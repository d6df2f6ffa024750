"""Orders through the gateway: reserving seats, paying, cancelling, reading and listing,
against the real events, tickets and payments services."""

import time
from datetime import UTC, datetime, timedelta

from django.test import override_settings
from rest_framework import status

from devkit.net import free_port
from gateway_project.tests.ticketing import (
    DECLINED_CARD_NUMBER,
    GOOD_CARD_NUMBER,
    INSUFFICIENT_FUNDS_CARD_NUMBER,
    ORDER_FIELDS,
    ORDERS_URL,
    PROCESSING_ERROR_CARD_NUMBER,
    TICKET_FIELDS,
    TicketingAPITestCase,
    event_url,
    order_url,
    parse_iso,
)


class ReserveSeatsTests(TicketingAPITestCase):
    def test_customer_reserves_seats(self):
        ticket_type = self.ticket_type_on_sale(price="25.00", currency="EUR")
        before = datetime.now(UTC)

        response = self.reserve(ticket_type, quantity=3)

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        order = response.json()
        self.assertEqual(set(order), ORDER_FIELDS)
        self.assertIsInstance(order["id"], int)
        expected = {
            "status": "reserved",
            "event_id": ticket_type["event_id"],
            "ticket_type_id": ticket_type["id"],
            "quantity": 3,
            "unit_price": "25.00",
            "total": "75.00",
            "currency": "EUR",
            "email": self.customer.email,
            "full_name": self.customer.full_name,
            "paid_at": None,
            "tickets": [],
            "payment": None,
            "refunded_amount": "0.00",
            "lines": [
                {
                    "ticket_type_id": ticket_type["id"],
                    "name": ticket_type["name"],
                    "quantity": 3,
                    "unit_price": "25.00",
                    "discount": "0.00",
                    "total": "75.00",
                    "attendees": [self.customer.full_name] * 3,
                }
            ],
        }
        self.assertEqual({key: order[key] for key in expected}, expected)
        self.assertTrue(order["expires_at"].endswith("Z"), order["expires_at"])
        self.assertGreater(parse_iso(order["expires_at"]), before)
        self.assertGreaterEqual(parse_iso(order["created_at"]), before.replace(microsecond=0))

    def test_reserving_holds_the_seats(self):
        ticket_type = self.ticket_type_on_sale(capacity=10)

        self.reserved_order(ticket_type, quantity=4)

        self.assertEqual(self.available(ticket_type), 6)

    def test_replaying_an_idempotency_key_returns_the_same_order_and_holds_once(self):
        ticket_type = self.ticket_type_on_sale(capacity=10)
        first = self.reserve(ticket_type, quantity=2, key=f"key-{self.tag}")

        replay = self.reserve(ticket_type, quantity=2, key=f"key-{self.tag}")

        self.assertEqual(first.status_code, status.HTTP_201_CREATED, first.content)
        self.assertEqual(replay.status_code, status.HTTP_200_OK, replay.content)
        self.assertEqual(replay.json(), first.json())
        self.assertEqual(self.available(ticket_type), 8)

    def test_requests_without_an_idempotency_key_make_separate_orders(self):
        ticket_type = self.ticket_type_on_sale(capacity=10)

        first = self.reserved_order(ticket_type, quantity=2)
        second = self.reserved_order(ticket_type, quantity=2)

        self.assertNotEqual(first["id"], second["id"])
        self.assertEqual(self.available(ticket_type), 6)

    def test_same_idempotency_key_from_another_customer_makes_another_order(self):
        ticket_type = self.ticket_type_on_sale(capacity=10)
        first = self.reserve(ticket_type, key=f"key-{self.tag}")

        other = self.reserve(ticket_type, user=self.make_user(), key=f"key-{self.tag}")

        self.assertEqual(other.status_code, status.HTTP_201_CREATED, other.content)
        self.assertNotEqual(other.json()["id"], first.json()["id"])

    def test_idempotency_key_reused_for_a_different_request_is_a_conflict(self):
        ticket_type = self.ticket_type_on_sale(capacity=10)
        self.reserve(ticket_type, quantity=1, key=f"key-{self.tag}")

        response = self.reserve(ticket_type, quantity=2, key=f"key-{self.tag}")

        self.assert_error(response, status.HTTP_409_CONFLICT, "idempotency_key_reused")
        self.assertEqual(self.available(ticket_type), 9)

    def test_idempotency_key_of_128_characters_is_accepted(self):
        ticket_type = self.ticket_type_on_sale()
        key = (self.tag * 4)[:128]

        first = self.reserve(ticket_type, key=key)
        replay = self.reserve(ticket_type, key=key)

        self.assertEqual((first.status_code, replay.status_code), (status.HTTP_201_CREATED, status.HTTP_200_OK))
        self.assertEqual(replay.json()["id"], first.json()["id"])

    def test_idempotency_key_longer_than_128_characters_is_rejected(self):
        ticket_type = self.ticket_type_on_sale(capacity=10)

        response = self.reserve(ticket_type, key="k" * 129)

        self.assert_field_error(response, "Idempotency-Key")
        self.assertEqual(self.available(ticket_type), 10)

    def test_not_enough_seats_is_sold_out(self):
        ticket_type = self.ticket_type_on_sale(capacity=5)
        self.reserved_order(ticket_type, quantity=4)

        response = self.reserve(ticket_type, quantity=2, user=self.make_user())

        self.assert_error(response, status.HTTP_409_CONFLICT, "sold_out")
        self.assertEqual(self.available(ticket_type), 1)

    def test_seats_past_the_customer_limit_are_a_conflict_naming_what_the_customer_has(self):
        ticket_type = self.ticket_type_on_sale(capacity=50, max_per_customer=3)
        self.reserved_order(ticket_type, quantity=2)

        response = self.reserve(ticket_type, quantity=2)

        self.assert_error(response, status.HTTP_409_CONFLICT, "customer_limit_reached")
        self.assertEqual((response.json()["max_per_customer"], response.json()["held_and_bought"]), (3, 2))
        self.assertEqual(self.available(ticket_type), 48)

    def test_the_last_seats_can_be_reserved(self):
        ticket_type = self.ticket_type_on_sale(capacity=5)
        self.reserved_order(ticket_type, quantity=4)

        response = self.reserve(ticket_type, quantity=1, user=self.make_user())

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(self.available(ticket_type), 0)

    def test_quantity_below_one_is_rejected(self):
        ticket_type = self.ticket_type_on_sale()

        for quantity in (0, -1):
            with self.subTest(quantity=quantity):
                self.assert_field_error(self.reserve(ticket_type, quantity=quantity), "quantity")

    def test_quantity_above_the_ticket_types_max_per_order_is_rejected(self):
        ticket_type = self.ticket_type_on_sale(capacity=50, max_per_order=4)

        response = self.reserve(ticket_type, quantity=5)

        self.assert_field_error(response, "quantity")
        self.assertEqual(self.available(ticket_type), 50)

    def test_quantity_equal_to_max_per_order_is_accepted(self):
        ticket_type = self.ticket_type_on_sale(capacity=50, max_per_order=4)

        response = self.reserve(ticket_type, quantity=4)

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)

    def test_huge_quantity_is_rejected(self):
        ticket_type = self.ticket_type_on_sale()

        self.assert_field_error(self.reserve(ticket_type, quantity=2**40), "quantity")

    def test_missing_or_malformed_fields_are_named(self):
        self.authenticate(self.customer)

        response = self.client.post(ORDERS_URL, {"ticket_type_id": "abc"}, format="json")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, response.content)
        self.assertEqual(set(response.json()), {"ticket_type_id", "quantity"})

    def test_unknown_ticket_type_is_not_found(self):
        response = self.reserve({"id": 999_999_994})

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_reserving_seats_of_a_cancelled_event_is_a_conflict(self):
        ticket_type = self.ticket_type_on_sale()
        self.cancel_event(ticket_type["event_id"])

        response = self.reserve(ticket_type)

        self.assert_error(response, status.HTTP_409_CONFLICT, "event_cancelled")

    def test_reserving_seats_of_an_event_that_has_started_is_a_conflict(self):
        starts_at = datetime.now(UTC) + timedelta(seconds=2)
        event = self.create_event(starts_at=starts_at.isoformat(), ends_at=(starts_at + timedelta(hours=2)).isoformat())
        ticket_type = self.create_ticket_type(event["id"])
        time.sleep(max(0.0, (starts_at - datetime.now(UTC)).total_seconds()) + 0.2)

        response = self.reserve(ticket_type)

        self.assert_error(response, status.HTTP_409_CONFLICT, "event_started")

    def test_reserving_before_the_sales_start_is_a_conflict_saying_when_they_start(self):
        opens = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        ticket_type = self.ticket_type_on_sale(sales_start=opens.isoformat())

        response = self.reserve(ticket_type)

        self.assert_error(response, status.HTTP_409_CONFLICT, "sales_not_started")
        self.assertEqual(datetime.fromisoformat(response.json()["sales_start"]), opens)

    def test_reserving_after_the_sales_end_is_a_conflict(self):
        now = datetime.now(UTC)
        ticket_type = self.ticket_type_on_sale(
            sales_start=(now - timedelta(hours=2)).isoformat(), sales_end=(now - timedelta(hours=1)).isoformat()
        )

        response = self.reserve(ticket_type)

        self.assert_error(response, status.HTTP_409_CONFLICT, "sales_ended")

    def test_organizer_cannot_reserve_seats(self):
        ticket_type = self.ticket_type_on_sale()

        response = self.reserve(ticket_type, user=self.organizer)

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")

    def test_anonymous_cannot_reserve_seats(self):
        ticket_type = self.ticket_type_on_sale()
        self.authenticate(None)

        response = self.client.post(ORDERS_URL, {"ticket_type_id": ticket_type["id"], "quantity": 1}, format="json")

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")


class PayOrderTests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.ticket_type_on_sale(price="30.00", capacity=20)

    def test_paying_issues_the_tickets(self):
        order = self.reserved_order(self.ticket_type, quantity=2)
        before = datetime.now(UTC).replace(microsecond=0)

        response = self.pay(order, number="4242 4242 4242 4242")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        paid = response.json()
        self.assertEqual(set(paid), ORDER_FIELDS)
        self.assertEqual((paid["id"], paid["status"], paid["total"]), (order["id"], "paid", "60.00"))
        self.assertGreaterEqual(parse_iso(paid["paid_at"]), before)
        self.assertEqual(paid["payment"], {"brand": "visa", "last4": "4242"})
        self.assertEqual(len(paid["tickets"]), 2)
        for ticket in paid["tickets"]:
            self.assertEqual(set(ticket), TICKET_FIELDS)
            expected = {
                "order_id": order["id"],
                "event_id": order["event_id"],
                "ticket_type_id": order["ticket_type_id"],
                "status": "valid",
                "checked_in_at": None,
                "holder_name": self.customer.full_name,
            }
            self.assertEqual({key: ticket[key] for key in expected}, expected)
        self.assertEqual(len({ticket["code"] for ticket in paid["tickets"]}), 2)

    def test_paid_order_reads_back_with_its_tickets(self):
        paid = self.paid_order(self.ticket_type, quantity=2)

        self.assertEqual(self.get_order(paid["id"]), paid)

    def test_card_number_with_dashes_is_accepted(self):
        order = self.reserved_order(self.ticket_type)

        response = self.pay(order, number="4242-4242-4242-4242")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["payment"]["last4"], "4242")

    def test_paid_seats_stay_taken(self):
        self.paid_order(self.ticket_type, quantity=3)

        self.assertEqual(self.available(self.ticket_type), 17)

    def test_declined_card_is_payment_required(self):
        order = self.reserved_order(self.ticket_type)

        response = self.pay(order, number=DECLINED_CARD_NUMBER)

        self.assert_error(response, status.HTTP_402_PAYMENT_REQUIRED, "payment_declined")
        self.assertEqual(self.get_order(order["id"])["status"], "reserved")

    def test_insufficient_funds_is_payment_required(self):
        order = self.reserved_order(self.ticket_type)

        response = self.pay(order, number=INSUFFICIENT_FUNDS_CARD_NUMBER)

        self.assert_error(response, status.HTTP_402_PAYMENT_REQUIRED, "payment_declined")

    def test_retry_after_a_decline_with_a_good_card_buys_the_tickets(self):
        order = self.reserved_order(self.ticket_type, quantity=2)
        self.pay(order, number=DECLINED_CARD_NUMBER)

        response = self.pay(order, number=GOOD_CARD_NUMBER)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["status"], "paid")
        self.assertEqual(len(response.json()["tickets"]), 2)

    def test_paying_a_paid_order_returns_it_and_charges_nothing_more(self):
        paid = self.paid_order(self.ticket_type, quantity=2)

        # A declining card would be refused if it were charged.
        response = self.pay(paid, number=DECLINED_CARD_NUMBER)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json(), paid)

    def test_invalid_card_data_is_rejected_by_the_gateway(self):
        order = self.reserved_order(self.ticket_type)
        cases = [
            ("card_number", {"number": "4242 4242 abcd 4242"}),
            ("card_number", {"number": "42424242424"}),
            ("card_number", {"number": "4" * 20}),
            ("card_number", {"number": ""}),
            ("card_number", {"number": "\uff14\uff12" * 8}),  # full-width digits
            ("exp_month", {"exp_month": 0}),
            ("exp_month", {"exp_month": 13}),
            ("exp_year", {"exp_year": "soon"}),
            ("exp_year", {"exp_year": 2**40}),
            ("cvc", {"cvc": "12"}),
            ("cvc", {"cvc": "12345"}),
            ("cvc", {"cvc": "1a3"}),
        ]
        for field, fields in cases:
            with self.subTest(**fields):
                self.assert_field_error(self.pay(order, **fields), field)
        self.assertEqual(self.get_order(order["id"])["status"], "reserved")

    def test_missing_card_fields_are_each_named(self):
        order = self.reserved_order(self.ticket_type)

        response = self.client.post(order_url(order["id"], "pay"), {}, format="json")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, response.content)
        self.assertEqual(set(response.json()), {"card_number", "exp_month", "exp_year", "cvc"})

    def test_card_number_failing_the_luhn_check_is_rejected(self):
        order = self.reserved_order(self.ticket_type)

        response = self.pay(order, number="4242424242424241")

        self.assert_field_error(response, "card_number")

    def test_expired_card_is_rejected(self):
        order = self.reserved_order(self.ticket_type)

        response = self.pay(order, exp_year=datetime.now(UTC).year - 1)

        self.assert_field_error(response, "exp_year")

    def test_card_error_response_does_not_echo_the_card_number(self):
        order = self.reserved_order(self.ticket_type)

        response = self.pay(order, number="4242424242424241")

        self.assertNotIn(b"424242424241", response.content)

    def test_provider_processing_error_is_unavailable_and_charges_nothing(self):
        order = self.reserved_order(self.ticket_type)

        response = self.pay(order, number=PROCESSING_ERROR_CARD_NUMBER)

        self.assert_error(response, status.HTTP_503_SERVICE_UNAVAILABLE, "payment_provider_error")
        self.assertEqual(self.get_order(order["id"])["status"], "reserved")

    def test_paying_someone_elses_order_is_not_found(self):
        order = self.reserved_order(self.ticket_type)

        response = self.pay(order, user=self.make_user())

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")
        self.assertEqual(self.get_order(order["id"])["status"], "reserved")

    def test_paying_an_unknown_order_is_not_found(self):
        response = self.pay({"id": 999_999_995})

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_paying_a_cancelled_order_is_a_conflict(self):
        order = self.reserved_order(self.ticket_type)
        self.client.post(order_url(order["id"], "cancel"))

        response = self.pay(order)

        self.assert_error(response, status.HTTP_409_CONFLICT, "order_not_payable")

    def test_anonymous_cannot_pay(self):
        order = self.reserved_order(self.ticket_type)
        self.authenticate(None)

        response = self.client.post(order_url(order["id"], "pay"), {}, format="json")

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")


class HoldExpiryTests(TicketingAPITestCase):
    """Against services of their own whose seat holds last one second."""

    service_environ = {"ORDER_HOLD_SECONDS": "1", "SWEEP_INTERVAL_SECONDS": "0.5"}

    def test_paying_after_the_hold_expired_is_a_conflict(self):
        order = self.reserved_order(self.ticket_type_on_sale())
        time.sleep(1.5)

        response = self.pay(order)

        self.assert_error(response, status.HTTP_409_CONFLICT, "hold_expired")

    def test_expired_hold_releases_its_seats(self):
        ticket_type = self.ticket_type_on_sale(capacity=4)
        order = self.reserved_order(ticket_type, quantity=4)

        expired = self.wait_for_order_status(order["id"], "expired")

        self.assertEqual(expired["status"], "expired")
        self.assertEqual(self.available(ticket_type), 4)


class CancelOrderTests(TicketingAPITestCase):
    def test_cancelling_a_reservation_releases_its_seats(self):
        ticket_type = self.ticket_type_on_sale(capacity=10)
        order = self.reserved_order(ticket_type, quantity=3)

        response = self.client.post(order_url(order["id"], "cancel"))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual({**response.json(), "status": "reserved"}, order)
        self.assertEqual(response.json()["status"], "cancelled")
        self.assertEqual(self.available(ticket_type), 10)

    def test_cancelling_twice_is_harmless(self):
        ticket_type = self.ticket_type_on_sale(capacity=10)
        order = self.reserved_order(ticket_type, quantity=3)
        self.client.post(order_url(order["id"], "cancel"))

        response = self.client.post(order_url(order["id"], "cancel"))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["status"], "cancelled")
        self.assertEqual(self.available(ticket_type), 10)

    def test_cancelling_a_paid_order_is_a_conflict(self):
        paid = self.paid_order(self.ticket_type_on_sale())

        response = self.client.post(order_url(paid["id"], "cancel"))

        self.assert_error(response, status.HTTP_409_CONFLICT, "order_not_cancellable")
        self.assertEqual(self.get_order(paid["id"])["status"], "paid")

    def test_cancelling_someone_elses_order_is_not_found(self):
        ticket_type = self.ticket_type_on_sale(capacity=10)
        order = self.reserved_order(ticket_type, quantity=3)
        self.authenticate(self.make_user())

        response = self.client.post(order_url(order["id"], "cancel"))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")
        self.assertEqual(self.available(ticket_type), 7)

    def test_anonymous_cannot_cancel_an_order(self):
        order = self.reserved_order(self.ticket_type_on_sale())
        self.authenticate(None)

        response = self.client.post(order_url(order["id"], "cancel"))

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")


class GetOrderTests(TicketingAPITestCase):
    def test_customer_reads_own_order(self):
        order = self.reserved_order(self.ticket_type_on_sale())

        self.assertEqual(self.get_order(order["id"]), order)

    def test_someone_elses_order_is_not_found(self):
        order = self.reserved_order(self.ticket_type_on_sale())
        self.authenticate(self.make_user())

        response = self.client.get(order_url(order["id"]))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_the_events_organizer_does_not_read_a_customers_order(self):
        order = self.reserved_order(self.ticket_type_on_sale())
        self.authenticate(self.organizer)

        response = self.client.get(order_url(order["id"]))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_staff_reads_any_order(self):
        order = self.reserved_order(self.ticket_type_on_sale())
        self.authenticate(self.make_user(is_staff=True))

        response = self.client.get(order_url(order["id"]))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json(), order)

    def test_unknown_order_is_not_found(self):
        self.authenticate(self.customer)

        response = self.client.get(order_url(999_999_999_999_999_999))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_anonymous_cannot_read_an_order(self):
        order = self.reserved_order(self.ticket_type_on_sale())
        self.authenticate(None)

        response = self.client.get(order_url(order["id"]))

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")


class ListOrdersTests(TicketingAPITestCase):
    def list_ids(self, **params) -> list[int]:
        self.authenticate(self.customer)
        response = self.client.get(ORDERS_URL, params)
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        return [order["id"] for order in response.json()["results"]]

    def test_list_shows_the_callers_orders_newest_first(self):
        ticket_type = self.ticket_type_on_sale()
        first = self.reserved_order(ticket_type)
        second = self.paid_order(ticket_type, quantity=2)

        response = self.client.get(ORDERS_URL)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(
            response.json(), {"results": [second, self.get_order(first["id"])], "next": None, "previous": None}
        )

    def test_list_leaves_out_other_customers_orders(self):
        ticket_type = self.ticket_type_on_sale()
        own = self.reserved_order(ticket_type)
        self.reserved_order(ticket_type, user=self.make_user())

        self.assertEqual(self.list_ids(), [own["id"]])

    def test_list_of_a_customer_without_orders_is_empty(self):
        self.authenticate(self.make_user())

        response = self.client.get(ORDERS_URL)

        self.assertEqual(response.json(), {"results": [], "next": None, "previous": None})

    def test_list_is_paginated_with_next_links(self):
        ticket_type = self.ticket_type_on_sale()
        created = [self.reserved_order(ticket_type)["id"] for _ in range(5)]
        self.authenticate(self.customer)

        pages, response = [], self.client.get(ORDERS_URL, {"page_size": 2})
        while True:
            self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
            pages.append([order["id"] for order in response.json()["results"]])
            if response.json()["next"] is None:
                break
            self.assertLess(len(pages), 10, "next links do not end")
            self.assertTrue(response.json()["next"].startswith("http://testserver/api/orders/?"))
            response = self.client.get(response.json()["next"])

        newest_first = created[::-1]
        self.assertEqual(pages, [newest_first[0:2], newest_first[2:4], newest_first[4:]])

    def test_list_with_page_size_out_of_range_is_rejected(self):
        self.authenticate(self.customer)

        for page_size in ("0", "101", "abc"):
            with self.subTest(page_size=page_size):
                self.assert_field_error(self.client.get(ORDERS_URL, {"page_size": page_size}), "page_size")

    def test_list_with_garbage_cursor_is_rejected(self):
        self.authenticate(self.customer)

        for cursor in ("garbage", "-5", "9" * 30):
            with self.subTest(cursor=cursor):
                self.assert_field_error(self.client.get(ORDERS_URL, {"cursor": cursor}), "cursor")

    def test_anonymous_cannot_list_orders(self):
        response = self.client.get(ORDERS_URL)

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")


class TicketsServiceUnavailableTests(TicketingAPITestCase):
    def tickets_down(self):
        addrs = {**self.services.grpc_addrs, "tickets": f"127.0.0.1:{free_port()}"}
        return override_settings(GRPC_ADDRS=addrs, GRPC_CLIENT_TIMEOUT=2)

    def test_reserving_when_the_tickets_service_is_unreachable_is_unavailable(self):
        ticket_type = self.ticket_type_on_sale()

        with self.tickets_down():
            response = self.reserve(ticket_type)

        self.assert_error(response, status.HTTP_503_SERVICE_UNAVAILABLE, "tickets_unavailable")
        self.assertEqual(response["Retry-After"], "5")

    def test_listing_orders_when_the_tickets_service_is_unreachable_is_unavailable(self):
        self.authenticate(self.customer)

        with self.tickets_down():
            response = self.client.get(ORDERS_URL)

        self.assert_error(response, status.HTTP_503_SERVICE_UNAVAILABLE, "tickets_unavailable")

    def test_event_detail_when_the_tickets_service_is_unreachable_is_unavailable(self):
        event = self.create_event()

        with self.tickets_down():
            response = self.client.get(event_url(event["id"]))

        self.assert_error(response, status.HTTP_503_SERVICE_UNAVAILABLE, "tickets_unavailable")
