"""A ticket type's waiting list through the gateway, against the real events and tickets services."""

from rest_framework import status

from gateway_project.tests.ticketing import TicketingAPITestCase, order_url, sales_url, ticket_types_url

ENTRY_FIELDS = {
    "id",
    "event_id",
    "ticket_type_id",
    "quantity",
    "status",
    "position",
    "seats_ahead",
    "order_id",
    "offer_expires_at",
    "created_at",
}


def waiting_list_url(ticket_type: dict) -> str:
    return f"{ticket_types_url(ticket_type['event_id'])}{ticket_type['id']}/waiting-list/"


class WaitingListAPITests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.ticket_type_on_sale(capacity=2, max_per_order=4)
        holders = [self.make_user() for _ in range(2)]
        self.blockers = [(holder, self.reserved_order(self.ticket_type, 1, holder)) for holder in holders]
        self.url = waiting_list_url(self.ticket_type)

    def join(self, quantity: int = 1, user=None):
        self.authenticate(user or self.customer)
        return self.client.post(self.url, {"quantity": quantity}, format="json")

    def release_a_seat(self) -> None:
        holder, order = self.blockers.pop()
        self.authenticate(holder)
        response = self.client.post(order_url(order["id"], "cancel"))
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)

    def test_a_customer_joins_a_sold_out_type_and_a_second_join_answers_the_entry(self):
        response = self.join(2)

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        entry = response.json()
        self.assertEqual(set(entry), ENTRY_FIELDS)
        self.assertEqual(
            (entry["status"], entry["position"], entry["quantity"], entry["order_id"], entry["offer_expires_at"]),
            ("waiting", 1, 2, None, None),
        )
        again = self.join(1)
        self.assertEqual(again.status_code, status.HTTP_200_OK, again.content)
        self.assertEqual(again.json()["id"], entry["id"])

    def test_joining_a_type_with_seats_for_sale_is_tickets_available(self):
        open_type = self.ticket_type_on_sale(capacity=5)
        self.authenticate(self.customer)

        response = self.client.post(waiting_list_url(open_type), {"quantity": 1}, format="json")

        self.assert_error(response, status.HTTP_409_CONFLICT, "tickets_available")
        self.assertEqual(response.json()["available"], 5)

    def test_bad_quantities_are_400_on_quantity(self):
        # 5: above its max_per_order; 3: above its capacity of 2.
        for body in ({"quantity": 0}, {"quantity": 5}, {"quantity": 3}, {"quantity": "many"}, {}):
            self.authenticate(self.customer)
            response = self.client.post(self.url, body, format="json")
            self.assert_field_error(response, "quantity")

    def test_an_unknown_ticket_type_is_404(self):
        self.authenticate(self.customer)
        url = f"{ticket_types_url(self.ticket_type['event_id'])}999999/waiting-list/"

        self.assert_error(self.client.post(url, {"quantity": 1}, format="json"), status.HTTP_404_NOT_FOUND, "not_found")

    def test_anonymous_callers_are_401_and_organizers_may_not_join(self):
        self.authenticate(None)
        self.assertEqual(self.client.post(self.url, {"quantity": 1}, format="json").status_code, 401)
        self.authenticate(self.organizer)
        response = self.client.post(self.url, {"quantity": 1}, format="json")
        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN, response.content)

    def test_a_freed_seat_is_offered_to_the_first_entry_and_the_second_sees_its_position(self):
        first = self.join(1).json()
        second_user = self.make_user()
        self.join(1, second_user)

        self.release_a_seat()

        self.authenticate(self.customer)
        offered = self.client.get(self.url).json()
        self.assertEqual((offered["id"], offered["status"]), (first["id"], "offered"))
        self.assertIsNotNone(offered["offer_expires_at"])
        order = self.get_order(offered["order_id"])
        self.assertEqual((order["quantity"], order["status"]), (1, "reserved"))
        self.authenticate(second_user)
        self.assertEqual(self.client.get(self.url).json()["position"], 1)
        # The open sale sees the type as sold out while anyone waits.
        self.assertEqual(self.available(self.ticket_type), 0)

    def test_get_without_an_entry_is_404_not_on_waiting_list(self):
        self.authenticate(self.customer)

        self.assert_error(self.client.get(self.url), status.HTTP_404_NOT_FOUND, "not_on_waiting_list")

    def test_leaving_is_204_and_leaving_again_404(self):
        self.join(1)

        self.authenticate(self.customer)
        response = self.client.delete(self.url)

        self.assertEqual(response.status_code, status.HTTP_204_NO_CONTENT, response.content)
        self.assertEqual(self.client.get(self.url).json()["status"], "left")
        self.assert_error(self.client.delete(self.url), status.HTTP_404_NOT_FOUND, "not_on_waiting_list")

    def test_the_organizer_sees_the_list_in_the_sales_and_clears_it(self):
        self.join(2)
        self.join(1, self.make_user())
        self.authenticate(self.organizer)

        [line] = self.client.get(sales_url(self.ticket_type["event_id"])).json()["ticket_types"]
        self.assertEqual((line["waiting_entries"], line["waiting_seats"]), (2, 3))

        response = self.client.delete(f"{self.url}?all=1")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json(), {"cleared": 2})
        [line] = self.client.get(sales_url(self.ticket_type["event_id"])).json()["ticket_types"]
        self.assertEqual(line["waiting_entries"], 0)

    def test_only_the_events_organizer_clears_the_list(self):
        self.join(1)
        for user in (self.customer, self.make_organizer()):
            self.authenticate(user)
            response = self.client.delete(f"{self.url}?all=1")
            self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN, response.content)

    def test_a_bad_all_flag_is_400(self):
        self.authenticate(self.organizer)

        self.assert_field_error(self.client.delete(f"{self.url}?all=maybe"), "all")
