"""Check-in at the door through the gateway: an organizer scans a ticket's code."""

from rest_framework import status

from gateway_project.tests.ticketing import CHECKINS_URL, TicketingAPITestCase, parse_iso, ticket_url


class CheckInTests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.order = self.paid_order(self.ticket_type_on_sale(), quantity=2)
        self.ticket = self.order["tickets"][0]

    def ticket_now(self) -> dict:
        self.authenticate(self.customer)
        response = self.client.get(ticket_url(self.ticket["id"]))
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        return response.json()

    def test_organizer_checks_in_a_ticket(self):
        response = self.check_in(self.ticket["code"])

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        admitted = response.json()
        self.assertEqual(set(admitted), {"ticket_id", "event_id", "checked_in_at", "holder_name"})
        self.assertEqual(
            (admitted["ticket_id"], admitted["event_id"], admitted["holder_name"]),
            (self.ticket["id"], self.order["event_id"], self.customer.full_name),
        )
        self.assertTrue(admitted["checked_in_at"].endswith("Z"), admitted["checked_in_at"])
        parse_iso(admitted["checked_in_at"])

    def test_checked_in_ticket_shows_its_status_and_time(self):
        admitted = self.check_in(self.ticket["code"]).json()

        ticket = self.ticket_now()

        self.assertEqual((ticket["status"], ticket["checked_in_at"]), ("checked_in", admitted["checked_in_at"]))

    def test_checking_in_one_ticket_leaves_the_others_valid(self):
        self.check_in(self.ticket["code"])

        other = self.order["tickets"][1]
        self.authenticate(self.customer)
        self.assertEqual(self.client.get(ticket_url(other["id"])).json()["status"], "valid")

    def test_second_scan_is_a_conflict_with_the_first_scan_time(self):
        first = self.check_in(self.ticket["code"]).json()

        response = self.check_in(self.ticket["code"])

        self.assert_error(response, status.HTTP_409_CONFLICT, "already_checked_in")
        self.assertEqual(response.json()["checked_in_at"], first["checked_in_at"])

    def test_code_with_surrounding_whitespace_is_accepted(self):
        response = self.check_in(f"  {self.ticket['code']}\n")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)

    def test_unknown_or_forged_code_is_an_invalid_ticket(self):
        code = self.ticket["code"]
        token, _, signature = code.partition(".")
        tampered = ("A" if code[0] != "A" else "B") + code[1:]
        for forged in ("not-a-ticket", "abc.def", f"{token}.{signature[::-1]}", tampered, code + "x", "x" * 500):
            with self.subTest(code=forged):
                response = self.check_in(forged)

                self.assert_error(response, status.HTTP_404_NOT_FOUND, "invalid_ticket")
        self.assertEqual(self.ticket_now()["status"], "valid")

    def test_void_ticket_is_a_conflict(self):
        self.cancel_event(self.order["event_id"])

        response = self.check_in(self.ticket["code"])

        self.assert_error(response, status.HTTP_409_CONFLICT, "ticket_void")

    def test_staff_checks_in_a_ticket_of_any_event(self):
        response = self.check_in(self.ticket["code"], user=self.make_user(is_staff=True))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)

    def test_another_organizer_is_answered_as_for_a_forged_code(self):
        response = self.check_in(self.ticket["code"], user=self.make_organizer())

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "invalid_ticket")
        self.assertEqual(self.ticket_now()["status"], "valid")

    def test_customer_cannot_check_in_even_their_own_ticket(self):
        response = self.check_in(self.ticket["code"], user=self.customer)

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "invalid_ticket")
        self.assertEqual(self.ticket_now()["status"], "valid")

    def test_anonymous_cannot_check_in(self):
        self.authenticate(None)

        response = self.client.post(CHECKINS_URL, {"code": self.ticket["code"]}, format="json")

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")

    def test_blank_missing_or_huge_code_is_rejected(self):
        self.authenticate(self.organizer)

        for body in ({"code": ""}, {"code": "   "}, {}, {"code": "x" * 1001}, {"code": None}):
            with self.subTest(body=body):
                self.assert_field_error(self.client.post(CHECKINS_URL, body, format="json"), "code")
