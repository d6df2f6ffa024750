"""Door staff through the gateway: the organizer invites accounts by email to one event as
`manager` (the organizer's desk but cancelling and staff) or `scanner` (check-in and lookup only)."""

from rest_framework import status

from gateway_project.tests.ticketing import (
    CHECKINS_URL,
    EVENTS_URL,
    TicketingAPITestCase,
    event_url,
    sales_url,
    ticket_types_url,
)

LOOKUP_URL = f"{CHECKINS_URL}lookup/"


def staff_url(event_id: int, member_id: int | None = None) -> str:
    return f"{event_url(event_id)}staff/{f'{member_id}/' if member_id else ''}"


class EventStaffTestCase(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.ticket_type_on_sale()
        self.event_id = self.ticket_type["event_id"]

    def invite(self, email: str, role: str, event_id: int | None = None, user=None):
        self.authenticate(user or self.organizer)
        return self.client.post(staff_url(event_id or self.event_id), {"email": email, "role": role}, format="json")

    def member(self, role: str, event_id: int | None = None, **fields):
        """A customer's account with `role` on the event."""
        user = self.make_user(**fields)
        response = self.invite(user.email, role, event_id)
        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        return user

    def as_user(self, user, method: str, path: str, body: dict | None = None):
        self.authenticate(user)
        return getattr(self.client, method.lower())(path, body, format="json")

    def lookup(self, code: str, user):
        self.authenticate(user)
        return self.client.post(LOOKUP_URL, {"code": code}, format="json")


class InviteStaffTests(EventStaffTestCase):
    def test_organizer_invites_an_address_as_scanner(self):
        response = self.invite("Door@Example.com", "scanner")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        member = response.json()
        self.assertEqual(set(member), {"id", "event_id", "email", "role", "created_at", "url", "event_url"})
        self.assertEqual(
            (member["event_id"], member["email"], member["role"]), (self.event_id, "door@example.com", "scanner")
        )

    def test_the_listing_shows_each_address_once_with_its_latest_role(self):
        self.invite("door@example.com", "scanner")
        self.invite("door@example.com", "manager")

        self.authenticate(self.organizer)
        listed = self.client.get(staff_url(self.event_id)).json()["results"]

        self.assertEqual([(m["email"], m["role"]) for m in listed], [("door@example.com", "manager")])

    def test_an_invalid_email_or_role_is_a_field_error(self):
        for body, field in (
            ({"email": "nope", "role": "scanner"}, "email"),
            ({"email": "a@b.example", "role": "organizer"}, "role"),
        ):
            with self.subTest(field=field):
                self.authenticate(self.organizer)
                response = self.client.post(staff_url(self.event_id), body, format="json")

                self.assert_field_error(response, field)

    def test_an_unknown_event_is_not_found(self):
        self.assert_error(
            self.invite("door@example.com", "scanner", event_id=999999), status.HTTP_404_NOT_FOUND, "not_found"
        )

    def test_a_manager_may_not_manage_staff(self):
        manager = self.member("manager")

        self.assert_error(
            self.invite("x@example.com", "scanner", user=manager), status.HTTP_403_FORBIDDEN, "permission_denied"
        )
        self.assert_error(
            self.as_user(manager, "GET", staff_url(self.event_id)), status.HTTP_403_FORBIDDEN, "permission_denied"
        )

    def test_removing_a_member_takes_the_role_away(self):
        scanner = self.member("scanner")
        ticket = self.paid_order(self.ticket_type)["tickets"][0]
        member_id = self.as_user(self.organizer, "GET", staff_url(self.event_id)).json()["results"][0]["id"]

        removed = self.as_user(self.organizer, "DELETE", staff_url(self.event_id, member_id))

        self.assertEqual(removed.status_code, status.HTTP_204_NO_CONTENT)
        self.assert_error(self.check_in(ticket["code"], user=scanner), status.HTTP_404_NOT_FOUND, "invalid_ticket")

    def test_removing_an_unknown_member_is_not_found(self):
        response = self.as_user(self.organizer, "DELETE", staff_url(self.event_id, 999999))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")


class StaffedEventsTests(EventStaffTestCase):
    def test_a_member_finds_the_events_they_are_staff_of(self):
        scanner = self.member("scanner")
        self.create_event()  # not theirs

        response = self.as_user(scanner, "GET", f"{EVENTS_URL}staffed/")

        self.assertEqual([event["id"] for event in response.json()["results"]], [self.event_id])


class ScannerTests(EventStaffTestCase):
    def setUp(self):
        super().setUp()
        self.scanner = self.member("scanner")
        self.ticket = self.paid_order(self.ticket_type)["tickets"][0]

    def test_a_scanner_checks_a_ticket_of_the_event_in(self):
        response = self.check_in(self.ticket["code"], user=self.scanner)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["ticket_id"], self.ticket["id"])

    def test_an_invitation_holds_for_an_account_registered_later(self):
        self.invite("later@example.com", "scanner")
        registered = self.make_user(email="later@example.com")

        response = self.check_in(self.ticket["code"], user=registered)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)

    def test_a_scanner_looks_a_ticket_up_without_checking_it_in(self):
        response = self.lookup(self.ticket["code"], self.scanner)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        found = response.json()
        self.assertEqual(
            (found["ticket_id"], found["status"], found["checked_in_at"], found["holder_name"]),
            (self.ticket["id"], "valid", None, self.customer.full_name),
        )
        self.assertEqual(self.check_in(self.ticket["code"], user=self.scanner).status_code, status.HTTP_200_OK)

    def test_a_lookup_after_the_scan_shows_the_first_scan(self):
        admitted = self.check_in(self.ticket["code"], user=self.scanner).json()

        found = self.lookup(self.ticket["code"], self.scanner).json()

        self.assertEqual((found["status"], found["checked_in_at"]), ("checked_in", admitted["checked_in_at"]))

    def test_a_ticket_of_another_event_is_answered_as_a_forged_code(self):
        other_type = self.create_ticket_type(self.create_event()["id"], capacity=5)
        other_ticket = self.paid_order(other_type)["tickets"][0]
        forged = self.check_in(other_ticket["code"][:-2] + "xx", user=self.scanner)

        for response in (
            self.check_in(other_ticket["code"], user=self.scanner),
            self.lookup(other_ticket["code"], self.scanner),
        ):
            self.assert_error(response, status.HTTP_404_NOT_FOUND, "invalid_ticket")
            self.assertEqual(response.json(), forged.json())

    def test_a_scanner_may_do_nothing_else_for_the_event(self):
        refused = {
            ("GET", sales_url(self.event_id)): None,
            ("GET", f"{event_url(self.event_id)}orders/"): None,
            ("GET", f"{event_url(self.event_id)}attendees.csv"): None,
            ("PATCH", event_url(self.event_id)): {"venue": "Hall B"},
            ("POST", ticket_types_url(self.event_id)): {"name": "Late", "price": "5.00", "capacity": 5},
            ("POST", f"{event_url(self.event_id)}vouchers/"): {
                "code": "DOOR",
                "discount_kind": "percent",
                "discount_value": "10",
            },
        }
        for (method, path), body in refused.items():
            with self.subTest(method=method, path=path):
                self.assert_error(
                    self.as_user(self.scanner, method, path, body), status.HTTP_403_FORBIDDEN, "permission_denied"
                )


class ManagerTests(EventStaffTestCase):
    def setUp(self):
        super().setUp()
        self.manager = self.member("manager")

    def test_a_manager_changes_the_event_and_its_ticket_types(self):
        event = self.as_user(self.manager, "PATCH", event_url(self.event_id), {"venue": "Hall B"})
        ticket_type = self.as_user(
            self.manager, "PATCH", f"{ticket_types_url(self.event_id)}{self.ticket_type['id']}/", {"capacity": 80}
        )

        self.assertEqual((event.status_code, event.json()["venue"]), (status.HTTP_200_OK, "Hall B"))
        self.assertEqual((ticket_type.status_code, ticket_type.json()["capacity"]), (status.HTTP_200_OK, 80))

    def test_a_manager_sees_the_sales_and_the_orders(self):
        order = self.paid_order(self.ticket_type)

        sales = self.as_user(self.manager, "GET", sales_url(self.event_id))
        orders = self.as_user(self.manager, "GET", f"{event_url(self.event_id)}orders/")

        self.assertEqual(sales.status_code, status.HTTP_200_OK, sales.content)
        self.assertEqual([o["id"] for o in orders.json()["results"]], [order["id"]])

    def test_a_manager_refunds_an_order(self):
        order = self.paid_order(self.ticket_type)

        response = self.as_user(self.manager, "POST", f"{event_url(self.event_id)}orders/{order['id']}/refund/", {})

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)

    def test_a_manager_sees_the_hidden_ticket_types(self):
        hidden = self.create_ticket_type(self.event_id, hidden=True)

        listed = self.as_user(self.manager, "GET", ticket_types_url(self.event_id)).json()["results"]

        self.assertIn(hidden["id"], [t["id"] for t in listed])

    def test_a_manager_checks_tickets_in(self):
        ticket = self.paid_order(self.ticket_type)["tickets"][0]

        self.assertEqual(self.check_in(ticket["code"], user=self.manager).status_code, status.HTTP_200_OK)

    def test_a_manager_may_not_cancel_the_event(self):
        response = self.as_user(self.manager, "DELETE", event_url(self.event_id))

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")
        self.assertEqual(self.as_user(None, "GET", event_url(self.event_id)).json()["status"], "published")

    def test_a_manager_of_one_event_is_nobody_for_another(self):
        other = self.create_event()

        response = self.as_user(self.manager, "PATCH", event_url(other["id"]), {"venue": "Hall B"})

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")
