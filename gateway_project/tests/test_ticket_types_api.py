"""Ticket types and sales of an event through the gateway, against the real events,
tickets and payments services."""

from datetime import UTC, datetime, timedelta

from rest_framework import status

from gateway_project.tests.ticketing import (
    EVENTS_URL,
    TicketingAPITestCase,
    event_url,
    sales_url,
    ticket_types_url,
)

TICKET_TYPE_FIELDS = {
    "id",
    "event_id",
    "name",
    "price",
    "currency",
    "capacity",
    "available",
    "max_per_order",
    "max_per_customer",
    "sales_start",
    "sales_end",
    "hidden",
    "url",
    "event_url",
}


class NewTicketTypeTestCase(TicketingAPITestCase):
    """An event of the organizer's, and the body of a new ticket type of it."""

    def setUp(self):
        super().setUp()
        self.event = self.create_event()
        self.url = ticket_types_url(self.event["id"])

    def body(self, **fields) -> dict:
        return {"name": "Balcony", "price": "25.00", "currency": "EUR", "capacity": 50, "max_per_order": 4, **fields}


class CreateTicketTypeTests(NewTicketTypeTestCase):
    def test_organizer_adds_a_ticket_type_to_own_event(self):
        self.authenticate(self.organizer)

        response = self.client.post(self.url, self.body(), format="json")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        created = response.json()
        self.assertEqual(set(created), TICKET_TYPE_FIELDS)
        self.assertIsInstance(created["id"], int)
        self.assertEqual(
            {key: value for key, value in created.items() if key not in ("id", "sales_start", "url", "event_url")},
            {
                "event_id": self.event["id"],
                "name": "Balcony",
                "price": "25.00",
                "currency": "EUR",
                "capacity": 50,
                "available": 50,
                "max_per_order": 4,
                "max_per_customer": None,
                "sales_end": self.event["starts_at"],
                "hidden": False,
            },
        )

    def test_a_customer_limit_can_be_set(self):
        self.authenticate(self.organizer)

        response = self.client.post(self.url, self.body(max_per_customer=6), format="json")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(response.json()["max_per_customer"], 6)

    def test_customer_limit_out_of_range_is_rejected(self):
        self.authenticate(self.organizer)

        for limit in (0, -1, 1001, "many"):
            with self.subTest(limit=limit):
                response = self.client.post(self.url, self.body(max_per_customer=limit), format="json")

                self.assert_field_error(response, "max_per_customer")

    def test_price_given_as_a_number_or_short_string_is_sent_with_two_decimals(self):
        self.authenticate(self.organizer)

        for price, expected in ((25, "25.00"), (19.5, "19.50"), ("7.1", "7.10"), ("0", "0.00"), (" 12 ", "12.00")):
            with self.subTest(price=price):
                response = self.client.post(self.url, self.body(price=price), format="json")

                self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
                self.assertEqual(response.json()["price"], expected)

    def test_currency_defaults_to_usd_and_max_per_order_to_10(self):
        self.authenticate(self.organizer)

        response = self.client.post(self.url, {"name": "Floor", "price": "10.00", "capacity": 5}, format="json")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual((response.json()["currency"], response.json()["max_per_order"]), ("USD", 10))

    def test_currency_is_upper_cased(self):
        self.authenticate(self.organizer)

        response = self.client.post(self.url, self.body(currency="gbp"), format="json")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(response.json()["currency"], "GBP")

    def test_staff_adds_a_ticket_type_to_any_event(self):
        self.authenticate(self.make_user(is_staff=True))

        response = self.client.post(self.url, self.body(), format="json")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)

    def test_another_organizer_cannot_add_a_ticket_type(self):
        self.authenticate(self.make_organizer())

        response = self.client.post(self.url, self.body(), format="json")

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")
        self.assertEqual(self.client.get(self.url).json()["results"], [])

    def test_customer_cannot_add_a_ticket_type(self):
        self.authenticate(self.customer)

        response = self.client.post(self.url, self.body(), format="json")

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")

    def test_anonymous_cannot_add_a_ticket_type(self):
        response = self.client.post(self.url, self.body(), format="json")

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")

    def test_ticket_type_of_a_cancelled_event_is_a_conflict(self):
        self.cancel_event(self.event["id"])
        self.authenticate(self.organizer)

        response = self.client.post(self.url, self.body(), format="json")

        self.assert_error(response, status.HTTP_409_CONFLICT, "event_cancelled")

    def test_ticket_type_of_an_unknown_event_is_not_found(self):
        self.authenticate(self.organizer)

        response = self.client.post(ticket_types_url(999_999_991), self.body(), format="json")

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_capacity_below_one_or_above_a_million_is_rejected(self):
        self.authenticate(self.organizer)

        for capacity in (0, -1, 1_000_001, 2**40, "many", None):
            with self.subTest(capacity=capacity):
                response = self.client.post(self.url, self.body(capacity=capacity), format="json")

                self.assert_field_error(response, "capacity")

    def test_invalid_price_is_rejected(self):
        self.authenticate(self.organizer)

        for price in ("abc", "-1.00", "1.234", "", "NaN", "Infinity", "100000000.00", True, None, "1e400"):
            with self.subTest(price=price):
                response = self.client.post(self.url, self.body(price=price), format="json")

                self.assert_field_error(response, "price")

    def test_invalid_currency_is_rejected(self):
        self.authenticate(self.organizer)

        for currency in ("US", "USDX", "U5D", "", "€UR"):
            with self.subTest(currency=currency):
                response = self.client.post(self.url, self.body(currency=currency), format="json")

                self.assert_field_error(response, "currency")

    def test_a_three_letter_code_that_is_no_iso_4217_currency_is_rejected(self):
        self.authenticate(self.organizer)

        response = self.client.post(self.url, self.body(currency="ZZZ"), format="json")

        self.assertEqual(response.json(), {"currency": ["Enter a 3-letter ISO 4217 currency code."]})
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)

    def test_max_per_order_out_of_range_is_rejected(self):
        self.authenticate(self.organizer)

        for max_per_order in (0, -3, 101):
            with self.subTest(max_per_order=max_per_order):
                response = self.client.post(self.url, self.body(max_per_order=max_per_order), format="json")

                self.assert_field_error(response, "max_per_order")

    def test_blank_or_too_long_name_is_rejected(self):
        self.authenticate(self.organizer)

        for name in ("", "   ", "x" * 101):
            with self.subTest(name=name):
                response = self.client.post(self.url, self.body(name=name), format="json")

                self.assert_field_error(response, "name")

    def test_missing_fields_are_each_named(self):
        self.authenticate(self.organizer)

        response = self.client.post(self.url, {}, format="json")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, response.content)
        self.assertEqual(set(response.json()), {"name", "price", "capacity"})

    def test_rejected_ticket_type_is_not_stored(self):
        self.authenticate(self.organizer)
        self.client.post(self.url, self.body(capacity=0), format="json")

        self.assertEqual(self.client.get(self.url).json()["results"], [])


class ListTicketTypesTests(TicketingAPITestCase):
    def test_anyone_lists_an_events_ticket_types_in_creation_order(self):
        event = self.create_event()
        first = self.create_ticket_type(event["id"], name="Early bird", price="15.00")
        second = self.create_ticket_type(event["id"], name="Regular", price="25.00")

        response = self.client.get(ticket_types_url(event["id"]))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json(), {"results": [first, second]})

    def test_list_leaves_out_other_events_ticket_types(self):
        event = self.create_event()
        own = self.create_ticket_type(event["id"])
        self.ticket_type_on_sale()

        response = self.client.get(ticket_types_url(event["id"]))

        self.assertEqual([t["id"] for t in response.json()["results"]], [own["id"]])

    def test_list_shows_live_availability(self):
        ticket_type = self.ticket_type_on_sale(capacity=10)
        self.reserved_order(ticket_type, quantity=3)

        self.assertEqual(self.available(ticket_type), 7)

    def test_list_of_an_event_without_ticket_types_is_empty(self):
        event = self.create_event()

        response = self.client.get(ticket_types_url(event["id"]))

        self.assertEqual(response.json(), {"results": []})

    def test_list_of_an_unknown_event_is_not_found(self):
        response = self.client.get(ticket_types_url(999_999_992))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_event_detail_includes_its_ticket_types_with_live_availability(self):
        event = self.create_event()
        ticket_type = self.create_ticket_type(event["id"], capacity=10)
        self.reserved_order(ticket_type, quantity=2)
        self.authenticate(None)

        response = self.client.get(event_url(event["id"]))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["ticket_types"], [{**ticket_type, "available": 8}])

    def test_event_list_leaves_out_ticket_types(self):
        event = self.create_event()
        self.create_ticket_type(event["id"])

        response = self.client.get(EVENTS_URL, {"q": self.tag})

        self.assertEqual([e["id"] for e in response.json()["results"]], [event["id"]])
        self.assertNotIn("ticket_types", response.json()["results"][0])


class SalesTests(TicketingAPITestCase):
    def test_organizer_sees_sold_held_available_and_revenue_per_ticket_type(self):
        event = self.create_event()
        regular = self.create_ticket_type(event["id"], name="Regular", price="25.00", capacity=10)
        vip = self.create_ticket_type(event["id"], name="VIP", price="80.00", currency="EUR", capacity=5)
        self.paid_order(regular, quantity=2)
        self.paid_order(regular, quantity=1, user=self.make_user())
        self.reserved_order(regular, quantity=3)
        self.reserved_order(vip, quantity=1)
        self.authenticate(self.organizer)

        response = self.client.get(sales_url(event["id"]))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(
            response.json(),
            {
                "event_id": event["id"],
                "ticket_types": [
                    {
                        "ticket_type_id": regular["id"],
                        "name": "Regular",
                        "capacity": 10,
                        "sold": 3,
                        "held": 3,
                        "available": 4,
                        "revenue": "75.00",
                        "currency": "USD",
                        "discounts": "0.00",
                        "waiting_entries": 0,
                        "waiting_seats": 0,
                    },
                    {
                        "ticket_type_id": vip["id"],
                        "name": "VIP",
                        "capacity": 5,
                        "sold": 0,
                        "held": 1,
                        "available": 4,
                        "revenue": "0.00",
                        "currency": "EUR",
                        "discounts": "0.00",
                        "waiting_entries": 0,
                        "waiting_seats": 0,
                    },
                ],
                "checked_in": 0,
            },
        )

    def test_sales_count_checked_in_tickets(self):
        ticket_type = self.ticket_type_on_sale()
        order = self.paid_order(ticket_type, quantity=3)
        for ticket in order["tickets"][:2]:
            self.assertEqual(self.check_in(ticket["code"]).status_code, status.HTTP_200_OK)

        response = self.client.get(sales_url(ticket_type["event_id"]))

        self.assertEqual(response.json()["checked_in"], 2)

    def test_sales_of_an_event_without_ticket_types_is_empty(self):
        event = self.create_event()
        self.authenticate(self.organizer)

        response = self.client.get(sales_url(event["id"]))

        self.assertEqual(response.json(), {"event_id": event["id"], "ticket_types": [], "checked_in": 0})

    def test_sales_of_another_organizers_event_is_forbidden(self):
        event = self.create_event()
        self.authenticate(self.make_organizer())

        response = self.client.get(sales_url(event["id"]))

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")

    def test_sales_for_a_customer_is_forbidden(self):
        event = self.create_event()
        self.authenticate(self.customer)

        response = self.client.get(sales_url(event["id"]))

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")

    def test_sales_for_anonymous_is_unauthorized(self):
        event = self.create_event()

        response = self.client.get(sales_url(event["id"]))

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")

    def test_sales_of_an_unknown_event_is_not_found(self):
        self.authenticate(self.organizer)

        response = self.client.get(sales_url(999_999_993))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")


class SaleWindowTests(NewTicketTypeTestCase):
    def test_a_ticket_type_is_on_sale_from_now_until_the_event_starts_by_default(self):
        self.authenticate(self.organizer)
        before = datetime.now(UTC).replace(microsecond=0)

        created = self.client.post(self.url, self.body(), format="json").json()

        self.assertGreaterEqual(datetime.fromisoformat(created["sales_start"]), before)
        self.assertEqual(created["sales_end"], self.event["starts_at"])

    def test_an_organizer_announces_the_on_sale_time(self):
        self.authenticate(self.organizer)
        opens = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)

        response = self.client.post(self.url, self.body(sales_start=opens.isoformat()), format="json")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(datetime.fromisoformat(response.json()["sales_start"]), opens)

    def test_a_window_ending_before_it_opens_is_a_400_naming_sales_end(self):
        self.authenticate(self.organizer)
        opens = datetime.now(UTC) + timedelta(days=2)
        body = self.body(sales_start=opens.isoformat(), sales_end=(opens - timedelta(days=1)).isoformat())

        response = self.client.post(self.url, body, format="json")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("sales_end", response.json())


class HiddenTicketTypeTests(NewTicketTypeTestCase):
    def test_a_hidden_type_is_listed_to_its_organizer_only(self):
        self.authenticate(self.organizer)
        hidden = self.client.post(self.url, self.body(name="Presale", hidden=True), format="json").json()
        public = self.client.post(self.url, self.body(name="General"), format="json").json()

        as_organizer = self.client.get(self.url).json()["results"]
        self.authenticate(None)
        as_anyone = self.client.get(self.url).json()["results"]

        self.assertEqual([t["id"] for t in as_organizer], [hidden["id"], public["id"]])
        self.assertEqual([t["id"] for t in as_anyone], [public["id"]])
