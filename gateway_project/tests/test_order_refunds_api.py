"""The organizer's desk through the gateway: refunding an order or some of its tickets, and sending
its confirmation again."""

from rest_framework import status

from gateway_project.tests.ticketing import TicketingAPITestCase, order_url


def refund_url(event_id: int, order_id: int) -> str:
    return f"/api/events/{event_id}/orders/{order_id}/refund/"


def resend_url(event_id: int, order_id: int) -> str:
    return f"/api/events/{event_id}/orders/{order_id}/resend/"


class OrderRefundAPITests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.ticket_type_on_sale(price="30.00")
        self.order = self.paid_order(self.ticket_type, quantity=3)
        self.event_id = self.order["event_id"]

    def refund(self, body: dict, user=None):
        self.authenticate(user or self.organizer)
        return self.client.post(refund_url(self.event_id, self.order["id"]), body, format="json")

    def test_an_empty_body_refunds_the_whole_order(self):
        response = self.refund({})

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        order = response.json()
        self.assertEqual((order["status"], order["refunded_amount"]), ("refunded", "90.00"))
        self.assertEqual({ticket["status"] for ticket in order["tickets"]}, {"void"})
        self.assertEqual(self.available(self.ticket_type), 100)

    def test_refunding_it_again_answers_the_order_as_it_is(self):
        first = self.refund({}).json()

        again = self.refund({})

        self.assertEqual((again.status_code, again.json()), (status.HTTP_200_OK, first))

    def test_tickets_refund_their_seats_and_the_order_stays_paid(self):
        response = self.refund({"tickets": [self.order["tickets"][0]["id"]]})

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        order = response.json()
        self.assertEqual((order["status"], order["refunded_amount"]), ("paid", "30.00"))
        self.assertEqual([ticket["status"] for ticket in order["tickets"]], ["void", "valid", "valid"])
        self.assertEqual(self.available(self.ticket_type), 98)

    def test_a_ticket_already_refunded_is_a_400_naming_it(self):
        ticket_id = self.order["tickets"][0]["id"]
        self.refund({"tickets": [ticket_id]})

        response = self.refund({"tickets": [ticket_id]})

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, response.content)
        self.assertEqual(response.json(), {"tickets": [f"Ticket {ticket_id} is already refunded."]})

    def test_tickets_must_be_a_list_of_ids(self):
        for body, field in (({"tickets": "all"}, "tickets"), ({"tickets": [1, 0]}, "tickets[1]")):
            with self.subTest(body):
                self.assert_field_error(self.refund(body), field)

    def test_a_checked_in_ticket_is_409_ticket_checked_in(self):
        self.check_in(self.order["tickets"][0]["code"])

        response = self.refund({})

        self.assert_error(response, status.HTTP_409_CONFLICT, "ticket_checked_in")
        self.assertEqual(response.json()["ticket_ids"], [self.order["tickets"][0]["id"]])

    def test_an_order_that_is_not_paid_is_409_order_not_refundable(self):
        reserved = self.reserved_order(self.ticket_type)

        self.authenticate(self.organizer)
        response = self.client.post(refund_url(self.event_id, reserved["id"]), {}, format="json")

        self.assert_error(response, status.HTTP_409_CONFLICT, "order_not_refundable")

    def test_another_organizer_is_403_and_a_customer_too(self):
        for user in (self.make_organizer(), self.customer):
            with self.subTest(user.role):
                self.assertEqual(self.refund({}, user).status_code, status.HTTP_403_FORBIDDEN)
        self.assertEqual(self.get_order(self.order["id"])["status"], "paid")


class ResendConfirmationAPITests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.order = self.paid_order(self.ticket_type_on_sale())

    def test_the_buyer_and_the_organizer_may_resend_it(self):
        self.authenticate(self.customer)
        mine = self.client.post(order_url(self.order["id"], "resend"))
        self.authenticate(self.organizer)
        organizers = self.client.post(resend_url(self.order["event_id"], self.order["id"]))

        self.assertEqual((mine.status_code, organizers.status_code), (status.HTTP_200_OK, status.HTTP_200_OK))
        self.assertEqual(mine.json()["id"], self.order["id"])

    def test_past_the_rate_it_is_429_with_retry_after(self):
        self.authenticate(self.customer)
        answers = [self.client.post(order_url(self.order["id"], "resend")) for _ in range(4)]  # 3/hour

        self.assertEqual([answer.status_code for answer in answers], [200, 200, 200, 429])
        self.assertEqual(answers[-1].json()["code"], "throttled")
        self.assertIn("Retry-After", answers[-1])

    def test_a_buyer_refused_at_the_desk_keeps_their_own_resends(self):
        self.authenticate(self.customer)
        refused = [self.client.post(resend_url(self.order["event_id"], self.order["id"])) for _ in range(3)]

        mine = self.client.post(order_url(self.order["id"], "resend"))

        self.assertEqual({answer.status_code for answer in refused}, {status.HTTP_403_FORBIDDEN})
        self.assertEqual(mine.status_code, status.HTTP_200_OK)

    def test_an_order_that_is_not_paid_is_409_order_not_paid(self):
        reserved = self.reserved_order(self.ticket_type_on_sale())

        self.authenticate(self.customer)
        response = self.client.post(order_url(reserved["id"], "resend"))

        self.assert_error(response, status.HTTP_409_CONFLICT, "order_not_paid")
