"""Reserving with a voucher through the gateway, against the real events and tickets services:
the discount in the order's lines, each refusal as its documented error, guessing throttled."""

from django.conf import settings
from rest_framework import status

from gateway_project.tests.ticketing import ORDERS_URL, TicketingAPITestCase, event_url, sales_url, ticket_types_url

VOUCHER_ATTEMPTS_ALLOWED = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["vouchers"].split("/")[0])


class OrderVoucherAPITests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.event = self.create_event()
        self.adult = self.create_ticket_type(self.event["id"], name="Adult", price="20.00")
        self.child = self.create_ticket_type(self.event["id"], name="Child", price="10.00")

    def create_voucher(self, **fields) -> dict:
        self.authenticate(self.organizer)
        body = {"code": "SPRING", "discount_kind": "percent", "discount_value": "50", "max_uses": 10, **fields}
        response = self.client.post(f"{event_url(self.event['id'])}vouchers/", body, format="json")
        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.authenticate(None)
        return response.json()["results"][0]

    def reserve_with(self, voucher: str, lines=None, user=None, address: str = "127.0.0.1"):
        self.authenticate(user or self.customer)
        body = {"lines": lines or [{"ticket_type_id": self.adult["id"], "quantity": 2}], "voucher": voucher}
        return self.client.post(ORDERS_URL, body, format="json", REMOTE_ADDR=address)

    def test_an_order_with_a_voucher_shows_the_discount_in_its_lines(self):
        self.create_voucher(ticket_type_ids=[self.child["id"]])

        response = self.reserve_with(
            "spring",
            [{"ticket_type_id": self.adult["id"], "quantity": 2}, {"ticket_type_id": self.child["id"], "quantity": 1}],
        )

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        order = response.json()
        lines = {line["name"]: (line["discount"], line["total"]) for line in order["lines"]}
        self.assertEqual(lines, {"Adult": ("0.00", "40.00"), "Child": ("5.00", "5.00")})
        self.assertEqual((order["total"], order["voucher"], order["voucher_seats"]), ("45.00", "SPRING", 1))

    def test_the_one_type_form_takes_a_voucher_too(self):
        self.create_voucher()
        self.authenticate(self.customer)

        response = self.client.post(
            ORDERS_URL, {"ticket_type_id": self.adult["id"], "quantity": 1, "voucher": "SPRING"}, format="json"
        )

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(response.json()["total"], "10.00")

    def test_an_unknown_code_is_a_404_invalid_voucher(self):
        self.assert_error(self.reserve_with("NOPE"), status.HTTP_404_NOT_FOUND, "invalid_voucher")

    def test_a_used_up_voucher_is_a_409_with_the_uses_left(self):
        self.create_voucher(max_uses=1)

        response = self.reserve_with("SPRING")

        self.assert_error(response, status.HTTP_409_CONFLICT, "voucher_used_up")
        self.assertEqual(response.json()["uses_left"], 1)

    def test_a_voucher_for_other_types_is_a_400_voucher_not_applicable(self):
        self.create_voucher(ticket_type_ids=[self.child["id"]])

        response = self.reserve_with("SPRING")

        self.assert_error(response, status.HTTP_400_BAD_REQUEST, "voucher_not_applicable")
        self.assertEqual(response.json()["ticket_type_ids"], [self.child["id"]])

    def test_a_too_long_code_is_a_400_naming_the_field(self):
        self.assert_field_error(self.reserve_with("X" * 33), "voucher")

    def test_the_sales_report_shows_the_voucher_discounts_of_paid_orders(self):
        self.create_voucher()
        order = self.reserve_with("SPRING").json()
        self.assertEqual(self.pay(order).status_code, status.HTTP_200_OK)
        self.authenticate(self.organizer)

        report = self.client.get(sales_url(self.event["id"])).json()

        (adult,) = [line for line in report["ticket_types"] if line["ticket_type_id"] == self.adult["id"]]
        self.assertEqual((adult["sold"], adult["revenue"], adult["discounts"]), (2, "20.00", "20.00"))

    def test_a_presale_code_lists_the_hidden_types_it_unlocks(self):
        presale = self.create_ticket_type(self.event["id"], name="Presale", hidden=True)
        self.create_voucher(unlocks_hidden=True, ticket_type_ids=[presale["id"]])
        self.authenticate(self.customer)

        listed = self.client.get(ticket_types_url(self.event["id"]), {"voucher": "spring"}).json()

        self.assertEqual([t["name"] for t in listed["results"]], ["Adult", "Child", "Presale"])
        self.assertEqual(
            self.reserve_with("SPRING", [{"ticket_type_id": presale["id"], "quantity": 1}]).status_code,
            status.HTTP_201_CREATED,
        )

    def test_listing_with_an_unknown_code_is_a_404_invalid_voucher(self):
        response = self.client.get(ticket_types_url(self.event["id"]), {"voucher": "NOPE"})

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "invalid_voucher")

    def test_guessing_codes_by_listing_is_throttled_per_address(self):
        for n in range(VOUCHER_ATTEMPTS_ALLOWED):
            self.client.get(ticket_types_url(self.event["id"]), {"voucher": f"GUESS{n}"}, REMOTE_ADDR="10.0.3.1")

        response = self.client.get(ticket_types_url(self.event["id"]), {"voucher": "GUESS"}, REMOTE_ADDR="10.0.3.1")

        self.assert_error(response, status.HTTP_429_TOO_MANY_REQUESTS, "throttled")

    def test_guessing_codes_is_throttled_per_user_whatever_their_address(self):
        for n in range(VOUCHER_ATTEMPTS_ALLOWED):
            response = self.reserve_with(f"GUESS{n}", address=f"10.0.0.{n}")
            self.assert_error(response, status.HTTP_404_NOT_FOUND, "invalid_voucher")

        response = self.reserve_with("GUESS", address="10.0.1.1")

        self.assert_error(response, status.HTTP_429_TOO_MANY_REQUESTS, "throttled")
        self.assertIn("Retry-After", response.headers)

    def test_guessing_codes_is_throttled_per_address_whoever_the_user(self):
        for n in range(VOUCHER_ATTEMPTS_ALLOWED):
            response = self.reserve_with(f"GUESS{n}", user=self.make_user(), address="10.0.2.1")
            self.assert_error(response, status.HTTP_404_NOT_FOUND, "invalid_voucher")

        response = self.reserve_with("GUESS", user=self.make_user(), address="10.0.2.1")

        self.assert_error(response, status.HTTP_429_TOO_MANY_REQUESTS, "throttled")

    def test_orders_without_a_voucher_are_not_counted_as_guesses(self):
        self.create_voucher()
        for _ in range(VOUCHER_ATTEMPTS_ALLOWED):
            self.assertEqual(self.reserve(self.adult).status_code, status.HTTP_201_CREATED)

        self.assertEqual(self.reserve_with("SPRING").status_code, status.HTTP_201_CREATED)
