"""One ticket type of an event through the gateway: read it, change it, delete it, against the real
events, tickets and payments services."""

from rest_framework import status

from gateway_project.tests.test_ticket_types_api import TICKET_TYPE_FIELDS
from gateway_project.tests.ticketing import TicketingAPITestCase, from_now, ticket_types_url


def ticket_type_url(ticket_type: dict) -> str:
    return f"{ticket_types_url(ticket_type['event_id'])}{ticket_type['id']}/"


class TicketTypeDetailTestCase(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.event = self.create_event()
        self.ticket_type = self.create_ticket_type(self.event["id"], capacity=10)
        self.url = ticket_type_url(self.ticket_type)

    def patch(self, body: dict, user=None, url: str | None = None):
        self.authenticate(user or self.organizer)
        return self.client.patch(url or self.url, body, format="json")

    def delete(self, user=None, url: str | None = None):
        self.authenticate(user or self.organizer)
        return self.client.delete(url or self.url)


class GetTicketTypeTests(TicketTypeDetailTestCase):
    def test_anyone_gets_a_ticket_type_with_live_availability(self):
        self.reserved_order(self.ticket_type, 2)
        self.authenticate(None)

        response = self.client.get(self.url)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(set(response.json()), TICKET_TYPE_FIELDS)
        self.assertEqual((response.json()["id"], response.json()["available"]), (self.ticket_type["id"], 8))

    def test_a_hidden_type_is_found_by_its_organizer_only(self):
        hidden = self.create_ticket_type(self.event["id"], hidden=True)

        self.authenticate(self.customer)
        self.assert_error(self.client.get(ticket_type_url(hidden)), status.HTTP_404_NOT_FOUND, "not_found")
        self.authenticate(self.organizer)
        self.assertEqual(self.client.get(ticket_type_url(hidden)).status_code, status.HTTP_200_OK)

    def test_a_type_under_another_events_path_is_not_found(self):
        other = self.create_ticket_type(self.create_event()["id"])

        response = self.client.get(f"{ticket_types_url(self.event['id'])}{other['id']}/")

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")


class ChangeTicketTypeTests(TicketTypeDetailTestCase):
    def test_organizer_changes_some_fields_and_the_others_keep_their_values(self):
        response = self.patch({"name": "Balcony", "price": 30, "capacity": 20, "max_per_order": 4, "hidden": True})

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        changed = response.json()
        self.assertEqual(
            {key: changed[key] for key in ("name", "price", "capacity", "available", "max_per_order", "hidden")},
            {"name": "Balcony", "price": "30.00", "capacity": 20, "available": 20, "max_per_order": 4, "hidden": True},
        )
        unchanged = ("id", "event_id", "currency", "max_per_customer", "sales_start", "sales_end")
        self.assertEqual({key: changed[key] for key in unchanged}, {key: self.ticket_type[key] for key in unchanged})

    def test_staff_changes_any_events_ticket_type(self):
        response = self.patch({"capacity": 12}, self.make_user(is_staff=True))

        self.assertEqual((response.status_code, response.json()["capacity"]), (status.HTTP_200_OK, 12))

    def test_a_new_price_applies_to_new_orders_only(self):
        before = self.reserved_order(self.ticket_type)

        self.patch({"price": "40.00"})
        after = self.reserved_order(self.ticket_type, user=self.make_user())

        self.assertEqual(self.get_order(before["id"])["lines"][0]["unit_price"], "25.00")
        self.assertEqual(after["lines"][0]["unit_price"], "40.00")

    def test_capacity_below_the_seats_sold_and_held_is_a_409_with_both(self):
        self.paid_order(self.ticket_type, 2)
        self.reserved_order(self.ticket_type, 3, user=self.make_user())

        response = self.patch({"capacity": 4})

        self.assert_error(response, status.HTTP_409_CONFLICT, "capacity_below_sold")
        self.assertEqual((response.json()["sold"], response.json()["held"]), (2, 3))
        self.assertEqual(self.available(self.ticket_type), 5)

    def test_a_sales_end_in_the_past_closes_sales(self):
        ticket_type = self.create_ticket_type(self.event["id"], sales_start=from_now(hours=-2))

        self.patch({"sales_end": from_now(hours=-1)}, url=ticket_type_url(ticket_type))

        self.assert_error(self.reserve(ticket_type), status.HTTP_409_CONFLICT, "sales_ended")

    def test_a_null_sales_end_ends_sales_when_the_event_starts_again(self):
        ticket_type = self.create_ticket_type(self.event["id"], sales_end=from_now(days=31))

        response = self.patch({"sales_end": None}, url=ticket_type_url(ticket_type))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["sales_end"], self.event["starts_at"])

    def test_currency_and_max_per_customer_cannot_be_changed(self):
        for field, value in (("currency", "EUR"), ("max_per_customer", 2)):
            with self.subTest(field=field):
                response = self.patch({field: value})

                self.assert_field_error(response, field)

    def test_invalid_values_are_a_400_naming_each_field(self):
        response = self.patch({"name": "", "price": "-1", "capacity": 0, "max_per_order": 101, "sales_start": None})

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, response.content)
        self.assertEqual(sorted(response.json()), ["capacity", "max_per_order", "name", "price", "sales_start"])

    def test_a_window_the_event_starts_before_is_a_400_naming_sales_start(self):
        self.assert_field_error(self.patch({"sales_start": from_now(days=31)}), "sales_start")

    def test_another_organizer_or_a_customer_is_forbidden(self):
        for user in (self.make_organizer(), self.customer):
            with self.subTest(role=user.role):
                self.assert_error(self.patch({"capacity": 1}, user), status.HTTP_403_FORBIDDEN, "permission_denied")
        self.assertEqual(self.available(self.ticket_type), 10)

    def test_anonymous_is_unauthorized(self):
        self.authenticate(None)

        self.assertEqual(self.client.patch(self.url, {"capacity": 1}, format="json").status_code, 401)

    def test_a_type_of_a_cancelled_event_is_a_409(self):
        self.cancel_event(self.event["id"])

        self.assert_error(self.patch({"name": "Too late"}), status.HTTP_409_CONFLICT, "event_cancelled")

    def test_an_unknown_type_is_not_found(self):
        url = f"{ticket_types_url(self.event['id'])}987654321/"

        self.assert_error(self.patch({"capacity": 5}, url=url), status.HTTP_404_NOT_FOUND, "not_found")


class DeleteTicketTypeTests(TicketTypeDetailTestCase):
    def test_a_type_nothing_was_sold_or_held_of_is_deleted(self):
        response = self.delete()

        self.assertEqual(response.status_code, status.HTTP_204_NO_CONTENT, response.content)
        self.authenticate(None)
        self.assertEqual(self.client.get(self.url).status_code, status.HTTP_404_NOT_FOUND)

    def test_a_type_with_an_order_is_in_use_even_once_it_is_cancelled(self):
        order = self.reserved_order(self.ticket_type)
        self.assert_error(self.delete(), status.HTTP_409_CONFLICT, "ticket_type_in_use")
        self.authenticate(self.customer)
        self.client.post(f"/api/orders/{order['id']}/cancel/")

        self.assert_error(self.delete(), status.HTTP_409_CONFLICT, "ticket_type_in_use")

    def test_another_organizer_is_forbidden(self):
        self.assert_error(self.delete(self.make_organizer()), status.HTTP_403_FORBIDDEN, "permission_denied")
        self.assertEqual(self.available(self.ticket_type), 10)

    def test_a_type_of_a_cancelled_event_is_a_409(self):
        self.cancel_event(self.event["id"])

        self.assert_error(self.delete(), status.HTTP_409_CONFLICT, "event_cancelled")
