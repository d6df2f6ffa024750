"""The organizer's desk: GET /api/events/{id}/orders/, .../orders/{order_id}/ and .../attendees.csv."""

import csv
import io

from rest_framework import status

from devkit.grpc_testing import counting_rpcs
from devkit.seed import seed_buyers
from gateway_project.tests.ticketing import EVENT_ORDER_FIELDS, TicketingAPITestCase, parse_iso
from gateway_project.ticketing_api.views import ATTENDEES_CSV_COLUMNS, ATTENDEES_PAGE_SIZE


def orders_url(event_id: int, order_id: int | None = None) -> str:
    return f"/api/events/{event_id}/orders/" + (f"{order_id}/" if order_id else "")


def attendees_url(event_id: int) -> str:
    return f"/api/events/{event_id}/attendees.csv"


class EventDeskTestCase(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.ticket_type_on_sale(name="General")
        self.event_id = self.ticket_type["event_id"]
        self.other_customer = self.make_user(email=f"grace-{self.tag[:8]}@example.com", full_name="Grace Hopper")

    def as_organizer(self, path: str, params: dict | None = None, user=None):
        self.authenticate(user or self.organizer)
        return self.client.get(path, params or {})


class EventOrderListTests(EventDeskTestCase):
    def listed_ids(self, **params) -> list[int]:
        response = self.as_organizer(orders_url(self.event_id), params)
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        return [order["id"] for order in response.json()["results"]]

    def test_the_organizer_sees_every_buyers_orders_newest_first(self):
        first = self.reserved_order(self.ticket_type)
        second = self.paid_order(self.ticket_type, user=self.other_customer)

        response = self.as_organizer(orders_url(self.event_id))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        body = response.json()
        self.assertEqual([order["id"] for order in body["results"]], [second["id"], first["id"]])
        self.assertEqual(set(body["results"][0]), EVENT_ORDER_FIELDS)
        self.assertIsNone(body["next"])

    def test_pages_link_to_the_next_with_the_same_filters(self):
        orders = [self.paid_order(self.ticket_type) for _ in range(3)]

        first = self.as_organizer(orders_url(self.event_id), {"page_size": 2, "status": "paid"}).json()
        last = self.as_organizer(first["next"]).json()

        self.assertIn("status=paid", first["next"])
        self.assertEqual([o["id"] for o in first["results"] + last["results"]], [o["id"] for o in reversed(orders)])
        self.assertIsNone(last["next"])

    def test_status_filters_the_orders(self):
        paid = self.paid_order(self.ticket_type)
        self.reserved_order(self.ticket_type)

        self.assertEqual(self.listed_ids(status="paid"), [paid["id"]])

    def test_q_matches_the_buyers_email_or_full_name_in_any_case(self):
        grace = self.reserved_order(self.ticket_type, user=self.other_customer)
        self.reserved_order(self.ticket_type)

        self.assertEqual(self.listed_ids(q="GRACE HOP"), [grace["id"]])
        self.assertEqual(self.listed_ids(q=f"Grace-{self.tag[:8]}@"), [grace["id"]])

    def test_ticket_type_filters_the_orders_with_a_line_of_it(self):
        vip = self.create_ticket_type(self.event_id, name="VIP")
        with_vip = self.reserved_order(vip)
        self.reserved_order(self.ticket_type)

        self.assertEqual(self.listed_ids(ticket_type=vip["id"]), [with_vip["id"]])

    def test_an_unknown_status_is_a_field_error(self):
        self.assert_field_error(self.as_organizer(orders_url(self.event_id), {"status": "lost"}), "status")

    def test_a_ticket_type_that_is_not_an_id_is_a_field_error(self):
        self.assert_field_error(self.as_organizer(orders_url(self.event_id), {"ticket_type": "0"}), "ticket_type")

    def test_a_bad_cursor_is_a_field_error(self):
        self.assert_field_error(self.as_organizer(orders_url(self.event_id), {"cursor": "x"}), "cursor")

    def test_staff_see_them_too(self):
        order = self.reserved_order(self.ticket_type)

        response = self.as_organizer(orders_url(self.event_id), user=self.make_user(is_staff=True))

        self.assertEqual([o["id"] for o in response.json()["results"]], [order["id"]])

    def test_another_organizer_is_forbidden(self):
        response = self.as_organizer(orders_url(self.event_id), user=self.make_organizer())

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")

    def test_a_customer_is_forbidden(self):
        self.reserved_order(self.ticket_type)

        self.assert_error(self.as_organizer(orders_url(self.event_id), user=self.customer), 403, "permission_denied")

    def test_an_unknown_event_is_not_found(self):
        self.assert_error(self.as_organizer(orders_url(999_999_999)), status.HTTP_404_NOT_FOUND, "not_found")


class EventOrderDetailTests(EventDeskTestCase):
    def test_the_organizer_reads_an_order_with_its_lines_tickets_and_payment(self):
        paid = self.paid_order(self.ticket_type, quantity=2)

        response = self.as_organizer(orders_url(self.event_id, paid["id"]))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        order = response.json()
        # The buyer's order, as the organizer's desk links it.
        links = ("url", "pay_url", "cancel_url", "refund_url", "resend_url", "tickets")
        self.assertEqual(
            {key: value for key, value in order.items() if key not in links},
            {key: value for key, value in paid.items() if key not in links},
        )
        self.assertEqual(order["url"], f"http://testserver{orders_url(self.event_id, paid['id'])}")
        self.assertEqual(
            [{key: value for key, value in ticket.items() if not key.endswith("url")} for ticket in order["tickets"]],
            [{key: value for key, value in ticket.items() if not key.endswith("url")} for ticket in paid["tickets"]],
        )
        self.assertEqual((order["payment"]["last4"], order["refunded_amount"]), ("4242", "0.00"))

    def test_an_order_of_another_event_is_not_found(self):
        elsewhere = self.reserved_order(self.ticket_type_on_sale())

        response = self.as_organizer(orders_url(self.event_id, elsewhere["id"]))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_another_organizer_is_forbidden(self):
        order = self.reserved_order(self.ticket_type)

        response = self.as_organizer(orders_url(self.event_id, order["id"]), user=self.make_organizer())

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")


class AttendeesCSVTests(EventDeskTestCase):
    def export(self, event_id: int | None = None, user=None) -> list[list[str]]:
        """The export's rows, header first, read as a client streams it."""
        response = self.as_organizer(attendees_url(event_id or self.event_id), user=user)
        self.assertEqual(response.status_code, status.HTTP_200_OK, getattr(response, "data", None))
        return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    def free_type(self) -> dict:
        """A free ticket type of the event, which the devkit seeder fills in bulk."""
        return self.create_ticket_type(self.event_id, name="Free", price="0.00", capacity=5_000)

    def test_is_a_streamed_csv_download(self):
        self.authenticate(self.organizer)

        response = self.client.get(attendees_url(self.event_id))

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertTrue(response.streaming)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(response["Content-Disposition"], f'attachment; filename="event-{self.event_id}-attendees.csv"')
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        self.assertEqual(rows, [list(ATTENDEES_CSV_COLUMNS)])

    def test_a_row_per_ticket_with_its_type_holder_buyer_and_order(self):
        line = {"ticket_type_id": self.ticket_type["id"], "quantity": 2, "attendees": ["Ann"]}
        order = self.pay(self.reserve_lines([line]).json()).json()

        header, *rows = self.export()

        self.assertEqual(header, list(ATTENDEES_CSV_COLUMNS))
        by_column = [dict(zip(header, row, strict=True)) for row in rows]
        self.assertEqual([row["ticket_id"] for row in by_column], [str(t["id"]) for t in order["tickets"]])
        self.assertEqual([row["attendee_name"] for row in by_column], ["Ann", self.customer.full_name])
        self.assertEqual({row["ticket_type"] for row in by_column}, {"General"})
        self.assertEqual({row["buyer_email"] for row in by_column}, {self.customer.email})
        self.assertEqual({row["order_id"] for row in by_column}, {str(order["id"])})
        self.assertEqual({(row["status"], row["checked_in_at"]) for row in by_column}, {("valid", "")})

    def test_shows_the_start_of_each_code_never_the_code(self):
        (ticket,) = self.paid_order(self.ticket_type)["tickets"]

        (_, row) = self.export()

        self.assertTrue(ticket["code"].startswith(row[1]))
        self.assertLess(len(row[1]), len(ticket["code"].partition(".")[0]))
        self.assertNotIn(ticket["code"], ",".join(row))

    def test_a_checked_in_ticket_shows_when_in_utc(self):
        (ticket,) = self.paid_order(self.ticket_type)["tickets"]
        admitted = self.check_in(ticket["code"]).json()

        (_, row) = self.export()

        self.assertEqual(row[6], "checked_in")
        self.assertTrue(row[7].endswith("Z"), row[7])
        self.assertEqual(parse_iso(row[7]), parse_iso(admitted["checked_in_at"]))

    def test_a_name_a_spreadsheet_would_run_as_a_formula_is_quoted(self):
        line = {"ticket_type_id": self.ticket_type["id"], "quantity": 1, "attendees": ["=HYPERLINK(1)"]}
        self.pay(self.reserve_lines([line]).json())

        (_, row) = self.export()

        self.assertEqual(row[3], "'=HYPERLINK(1)")

    def test_the_gateway_reads_the_tickets_a_bounded_page_at_a_time(self):
        seed_buyers(self.services.env, self.free_type()["id"], 2 * ATTENDEES_PAGE_SIZE + 1)
        self.authenticate(self.organizer)

        with counting_rpcs() as rpcs:
            response = self.client.get(attendees_url(self.event_id))
            after_headers = len(rpcs)
            body = b"".join(response.streaming_content)

        self.assertEqual(after_headers, 1)  # the first page only, until the body is read
        self.assertEqual(rpcs, ["tickets.ListEventAttendees"] * 3)
        self.assertEqual(body.count(b"\n"), 1 + 2 * ATTENDEES_PAGE_SIZE + 1)

    def test_an_export_of_thousands_has_a_row_per_ticket(self):
        seed_buyers(self.services.env, self.free_type()["id"], 3_000)
        self.paid_order(self.ticket_type, quantity=2)

        _, *rows = self.export()

        self.assertEqual(len(rows), 3_002)
        self.assertEqual(len({row[0] for row in rows}), 3_002)

    def test_another_organizer_is_forbidden_with_a_json_error(self):
        response = self.as_organizer(attendees_url(self.event_id), user=self.make_organizer())

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")

    def test_a_customer_is_forbidden(self):
        self.assert_error(self.as_organizer(attendees_url(self.event_id), user=self.customer), 403, "permission_denied")

    def test_an_unknown_event_is_not_found(self):
        self.assert_error(self.as_organizer(attendees_url(999_999_999)), status.HTTP_404_NOT_FOUND, "not_found")
