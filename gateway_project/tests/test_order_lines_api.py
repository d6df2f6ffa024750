"""Orders with lines through the gateway: a family buys 2 adult and 1 child tickets in one order with
one payment, each ticket naming its holder; every bad line is a 400 naming it by its path."""

from rest_framework import status

from gateway_project.tests.ticketing import LINE_FIELDS, ORDER_FIELDS, TicketingAPITestCase, order_url


class OrderLinesAPITestCase(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        event = self.create_event()
        self.adult = self.create_ticket_type(event["id"], name="Adult", price="30.00", capacity=10)
        self.child = self.create_ticket_type(event["id"], name="Child", price="12.50", capacity=10)

    def family(self) -> list[dict]:
        return [
            {"ticket_type_id": self.adult["id"], "quantity": 2, "attendees": ["Ann", "Bob"]},
            {"ticket_type_id": self.child["id"], "quantity": 1},
        ]

    def family_order(self) -> dict:
        response = self.reserve_lines(self.family())
        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        return response.json()


class ReserveLinesAPITests(OrderLinesAPITestCase):
    def test_a_family_reserves_two_adult_and_one_child_tickets_in_one_order(self):
        order = self.family_order()

        self.assertEqual(set(order), ORDER_FIELDS)
        self.assertEqual(
            {key: order[key] for key in ("status", "ticket_type_id", "quantity", "unit_price", "total", "currency")},
            {
                "status": "reserved",
                "ticket_type_id": None,
                "quantity": 3,
                "unit_price": None,
                "total": "72.50",
                "currency": "USD",
            },
        )
        self.assertEqual(
            order["lines"],
            [
                {
                    "ticket_type_id": self.adult["id"],
                    "name": "Adult",
                    "quantity": 2,
                    "unit_price": "30.00",
                    "discount": "0.00",
                    "total": "60.00",
                    "attendees": ["Ann", "Bob"],
                },
                {
                    "ticket_type_id": self.child["id"],
                    "name": "Child",
                    "quantity": 1,
                    "unit_price": "12.50",
                    "discount": "0.00",
                    "total": "12.50",
                    "attendees": [self.customer.full_name],
                },
            ],
        )
        self.assertEqual((self.available(self.adult), self.available(self.child)), (8, 9))

    def test_an_order_of_one_line_keeps_its_type_and_unit_price(self):
        response = self.reserve_lines([{"ticket_type_id": self.child["id"], "quantity": 2}])

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        order = response.json()
        self.assertEqual((order["ticket_type_id"], order["unit_price"]), (self.child["id"], "12.50"))
        self.assertEqual([set(line) for line in order["lines"]], [LINE_FIELDS])

    def test_paying_charges_the_total_once_and_issues_a_ticket_per_seat_with_its_holder(self):
        order = self.family_order()

        paid = self.pay(order)
        again = self.pay(order)

        self.assertEqual((paid.status_code, again.status_code), (status.HTTP_200_OK, status.HTTP_200_OK))
        self.assertEqual(paid.json()["total"], "72.50")
        self.assertEqual(
            [(ticket["ticket_type_id"], ticket["holder_name"]) for ticket in paid.json()["tickets"]],
            [(self.adult["id"], "Ann"), (self.adult["id"], "Bob"), (self.child["id"], self.customer.full_name)],
        )
        self.assertEqual(again.json()["tickets"], paid.json()["tickets"])

    def test_check_in_answers_the_holder_named_for_the_seat(self):
        tickets = self.pay(self.family_order()).json()["tickets"]

        response = self.check_in(tickets[1]["code"])

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["holder_name"], "Bob")

    def test_cancelling_releases_the_seats_of_every_line(self):
        order = self.family_order()
        self.authenticate(self.customer)

        response = self.client.post(order_url(order["id"], "cancel"))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual((self.available(self.adult), self.available(self.child)), (10, 10))

    def test_a_replay_of_the_key_with_the_same_lines_in_another_order_returns_the_order(self):
        first = self.reserve_lines(self.family(), key=f"family-{self.tag}")

        replay = self.reserve_lines(list(reversed(self.family())), key=f"family-{self.tag}")

        self.assertEqual((first.status_code, replay.status_code), (status.HTTP_201_CREATED, status.HTTP_200_OK))
        self.assertEqual(replay.json(), first.json())
        self.assertEqual(self.available(self.adult), 8)

    def test_the_key_replayed_with_other_lines_is_a_conflict(self):
        self.reserve_lines(self.family(), key=f"family-{self.tag}")

        response = self.reserve_lines(self.family()[:1], key=f"family-{self.tag}")

        self.assert_error(response, status.HTTP_409_CONFLICT, "idempotency_key_reused")


class SoldOutLinesAPITests(OrderLinesAPITestCase):
    def test_a_line_that_does_not_fit_is_sold_out_naming_its_type_and_holds_nothing(self):
        self.reserved_order(self.child, quantity=9, user=self.make_user())

        response = self.reserve_lines([self.family()[0], {"ticket_type_id": self.child["id"], "quantity": 2}])

        self.assert_error(response, status.HTTP_409_CONFLICT, "sold_out")
        self.assertEqual(response.json()["ticket_types"], [{"ticket_type_id": self.child["id"], "available": 1}])
        self.assertEqual((self.available(self.adult), self.available(self.child)), (10, 1))

    def test_a_one_type_order_that_does_not_fit_is_sold_out_naming_its_type(self):
        self.reserved_order(self.adult, quantity=9, user=self.make_user())

        response = self.reserve(self.adult, quantity=2)

        self.assert_error(response, status.HTTP_409_CONFLICT, "sold_out")
        self.assertEqual(response.json()["ticket_types"], [{"ticket_type_id": self.adult["id"], "available": 1}])


class InvalidLinesAPITests(OrderLinesAPITestCase):
    def assert_rejected(self, body: dict, *fields: str) -> None:
        """A 400 naming exactly `fields`, and nothing held."""
        self.authenticate(self.customer)
        response = self.client.post("/api/orders/", body, format="json")
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, response.content)
        self.assertEqual(set(response.json()), set(fields), response.json())
        self.assertEqual((self.available(self.adult), self.available(self.child)), (10, 10))

    def test_both_forms_at_once_are_rejected(self):
        self.assert_rejected({"lines": self.family(), "ticket_type_id": self.adult["id"], "quantity": 1}, "lines")

    def test_no_lines_or_more_than_twenty_are_rejected(self):
        for count in (0, 21):
            with self.subTest(count=count):
                lines = [{"ticket_type_id": n, "quantity": 1} for n in range(1, count + 1)]
                self.assert_rejected({"lines": lines}, "lines")

    def test_a_lines_missing_or_malformed_fields_are_named_by_their_path(self):
        lines = [{"ticket_type_id": self.adult["id"], "quantity": 1}, {"ticket_type_id": "abc"}]

        self.assert_rejected({"lines": lines}, "lines[1].ticket_type_id", "lines[1].quantity")

    def test_a_line_of_no_seats_is_rejected_naming_it(self):
        lines = [
            {"ticket_type_id": self.adult["id"], "quantity": 1},
            {"ticket_type_id": self.child["id"], "quantity": 0},
        ]

        self.assert_rejected({"lines": lines}, "lines[1].quantity")

    def test_a_type_in_two_lines_is_rejected_naming_the_second(self):
        lines = [
            {"ticket_type_id": self.adult["id"], "quantity": 1},
            {"ticket_type_id": self.adult["id"], "quantity": 2},
        ]

        self.assert_rejected({"lines": lines}, "lines[1].ticket_type_id")

    def test_more_names_than_seats_are_rejected(self):
        lines = [{"ticket_type_id": self.adult["id"], "quantity": 1, "attendees": ["Ann", "Bob"]}]

        self.assert_rejected({"lines": lines}, "lines[0].attendees")

    def test_a_name_longer_than_150_characters_is_rejected_naming_its_seat(self):
        lines = [{"ticket_type_id": self.adult["id"], "quantity": 2, "attendees": ["Ann", "B" * 151]}]

        self.assert_rejected({"lines": lines}, "lines[0].attendees[1]")

    def test_a_line_past_its_types_max_per_order_is_rejected_by_the_service_naming_it(self):
        small = self.create_ticket_type(self.adult["event_id"], name="Box", max_per_order=2)
        lines = [{"ticket_type_id": self.adult["id"], "quantity": 1}, {"ticket_type_id": small["id"], "quantity": 3}]

        self.assert_rejected({"lines": lines}, "lines[1].quantity")

    def test_lines_of_two_events_are_rejected_by_the_service_naming_the_other_events_line(self):
        elsewhere = self.ticket_type_on_sale()
        lines = [
            {"ticket_type_id": self.adult["id"], "quantity": 1},
            {"ticket_type_id": elsewhere["id"], "quantity": 1},
        ]

        self.assert_rejected({"lines": lines}, "lines[1].ticket_type_id")

    def test_an_unknown_type_in_a_line_is_not_found(self):
        response = self.reserve_lines(
            [{"ticket_type_id": self.adult["id"], "quantity": 1}, {"ticket_type_id": 999_999_991, "quantity": 1}]
        )

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")
