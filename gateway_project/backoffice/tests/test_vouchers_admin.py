"""The back office's vouchers: an event's vouchers listed with their uses, read from the tickets
service, and deactivated from their row."""

import uuid
from datetime import UTC, datetime, timedelta

from django.test import Client

from gateway_project.tests.base import GatewayAPITestCase
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import clients, errors
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp

LIST_URL = "/admin/backoffice/vouchers/"


class VouchersAdminTests(GatewayAPITestCase):
    def setUp(self):
        self.client.force_login(self.make_user(is_staff=True, is_superuser=True))
        self.organizer = Caller(user_id=self.make_organizer().id, role="organizer")
        self.event = self.create_event()
        self.ticket_type = clients.tickets().CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=self.event.id, name="General", price="20.00", capacity=50),
            caller=self.organizer,
        )

    def create_event(self) -> events_pb2.Event:
        starts = datetime.now(UTC) + timedelta(days=20)
        return clients.events().CreateEvent(
            events_pb2.CreateEventRequest(
                name="Vouchers", starts_at=to_timestamp(starts), ends_at=to_timestamp(starts + timedelta(hours=2))
            ),
            caller=self.organizer,
        )

    def create_voucher(self, event_id: int | None = None, **fields) -> tickets_pb2.Voucher:
        """A voucher with a fresh code (10% off every type, 5 seats) unless `fields` say otherwise."""
        fields = {"code": f"BO-{uuid.uuid4().hex[:10]}", "discount_kind": "percent", "discount_value": "10", **fields}
        fields.setdefault("max_uses", 5)
        (voucher,) = (
            clients.tickets()
            .CreateVouchers(
                tickets_pb2.CreateVouchersRequest(event_id=event_id or self.event.id, **fields), caller=self.organizer
            )
            .vouchers
        )
        return voucher

    def listed(self, voucher: tickets_pb2.Voucher) -> dict[str, str]:
        """The voucher's row in its event's listing: header -> cell."""
        response = self.client.get(LIST_URL, {"event_id": voucher.event_id})
        self.assertEqual(response.status_code, 200, response.content)
        (row,) = [row for row in response.context["rows"] if row["cells"][0]["value"] == voucher.id]
        return {header: cell["value"] for header, cell in zip(response.context["headers"], row["cells"], strict=True)}

    def reserve(self, seats: int, voucher: str) -> tickets_pb2.Order:
        """A new customer's reserved order of `seats` of the event's ticket type, with `voucher`."""
        buyer = self.make_user()
        request = tickets_pb2.ReserveSeatsRequest(
            ticket_type_id=self.ticket_type.id, quantity=seats, email=buyer.email, full_name="B", voucher=voucher
        )
        return clients.tickets().ReserveSeats(request, caller=Caller(user_id=buyer.id, role="customer")).order

    def deactivate_url(self, voucher: tickets_pb2.Voucher) -> str:
        return f"{LIST_URL}{voucher.id}/deactivatevoucher/"

    def is_active(self, voucher: tickets_pb2.Voucher) -> bool:
        """The voucher's `active`, as the tickets service has it."""
        vouchers = (
            clients.tickets()
            .ListVouchers(tickets_pb2.ListVouchersRequest(event_id=voucher.event_id), caller=self.organizer)
            .vouchers
        )
        (current,) = [each for each in vouchers if each.id == voucher.id]
        return current.active

    def test_admin_index_lists_vouchers_in_the_tickets_service_section(self):
        response = self.client.get("/admin/")

        self.assertContains(response, f'<a href="{LIST_URL}">Vouchers</a>', html=True)
        tickets_section = response.content.decode().split("Tickets service", 1)[1].split("</table>", 1)[0]
        self.assertIn("Vouchers", tickets_section)

    def test_the_listing_without_an_event_asks_for_one(self):
        for params in ({}, {"event_id": ""}):
            with self.subTest(params=params):
                response = self.client.get(LIST_URL, params)

                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "Enter an event id to list its vouchers")
                self.assertNotContains(response, "errornote")
                self.assertNotIn("rows", response.context)

    def test_an_event_id_that_is_not_a_number_is_a_form_error(self):
        response = self.client.get(LIST_URL, {"event_id": "abc"})

        self.assertContains(response, "Enter a whole number", status_code=400)

    def test_an_unknown_event_is_404(self):
        response = self.client.get(LIST_URL, {"event_id": 999_999_999})

        self.assertEqual(response.status_code, 404)

    def test_the_listing_shows_only_the_events_vouchers_newest_first(self):
        first, second = self.create_voucher(), self.create_voucher()
        other_event = self.create_voucher(self.create_event().id)

        response = self.client.get(LIST_URL, {"event_id": self.event.id})

        self.assertEqual([v.id for v in response.context["vouchers"]], [second.id, first.id])
        self.assertNotContains(response, other_event.code)

    def test_a_row_shows_the_code_discount_types_uses_window_and_flags(self):
        valid_from = datetime(2031, 5, 1, 9, 30, tzinfo=UTC)
        voucher = self.create_voucher(
            discount_kind="amount",
            discount_value="4.50",
            ticket_type_ids=[self.ticket_type.id],
            max_uses=8,
            valid_from=to_timestamp(valid_from),
            valid_until=to_timestamp(valid_from + timedelta(days=2)),
            unlocks_hidden=True,
        )

        row = self.listed(voucher)

        self.assertEqual(
            {header: value for header, value in row.items() if header not in ("Id", "Created")},
            {
                "Code": voucher.code.upper(),
                "Discount": "4.50 off each seat",
                "Ticket types": f"#{self.ticket_type.id}",
                "Uses / max": "0 / 8",
                "Valid from": "May 1, 2031, 9:30 a.m. UTC",
                "Valid until": "May 3, 2031, 9:30 a.m. UTC",
                "Unlocks hidden": "yes",
                "Active": "yes",
            },
        )
        self.assertTrue(row["Created"].endswith(" UTC"))

    def test_a_voucher_of_every_type_says_so(self):
        row = self.listed(self.create_voucher(discount_kind="price", discount_value="15"))

        self.assertEqual((row["Ticket types"], row["Discount"]), ("every type", "each seat at 15.00"))
        self.assertEqual((row["Valid from"], row["Valid until"]), ("", ""))

    def test_the_listing_shows_the_seats_each_voucher_has_discounted(self):
        voucher = self.create_voucher(max_uses=5)

        self.reserve(3, voucher.code)

        self.assertEqual(self.listed(voucher)["Uses / max"], "3 / 5")

    def test_deactivating_from_the_back_office_stops_the_voucher(self):
        voucher = self.create_voucher()

        self.client.post(f"{self.deactivate_url(voucher)}?event_id={self.event.id}")

        with self.assertRaises(errors.NotFound) as refused:
            self.reserve(1, voucher.code)
        self.assertEqual(refused.exception.code, "invalid_voucher")
        self.assertFalse(self.is_active(voucher))

    def test_deactivating_says_so_and_returns_to_the_listing_showing_it_inactive(self):
        voucher = self.create_voucher()

        response = self.client.post(f"{self.deactivate_url(voucher)}?event_id={self.event.id}", follow=True)

        self.assertRedirects(response, f"{LIST_URL}?event_id={self.event.id}")
        self.assertContains(response, f"Voucher {voucher.code} deactivated: it discounts no more seats.")
        self.assertEqual(self.listed(voucher)["Active"], "no")

    def test_an_active_voucher_has_a_deactivate_button_posting_its_event(self):
        voucher = self.create_voucher()

        response = self.client.get(LIST_URL, {"event_id": self.event.id})

        action = f"{self.deactivate_url(voucher)}?event_id={self.event.id}"
        self.assertContains(
            response, f'<button type="submit" class="button" formaction="{action}">Deactivate</button>', html=True
        )

    def test_a_deactivated_voucher_has_no_deactivate_button(self):
        voucher = self.create_voucher()
        self.client.post(f"{self.deactivate_url(voucher)}?event_id={self.event.id}")

        response = self.client.get(LIST_URL, {"event_id": self.event.id})

        self.assertNotContains(response, self.deactivate_url(voucher))

    def test_deactivating_without_the_event_is_a_bad_request_and_changes_nothing(self):
        voucher = self.create_voucher()

        response = self.client.post(self.deactivate_url(voucher))

        self.assertContains(response, "This field is required", status_code=400)
        self.assertTrue(self.is_active(voucher))

    def test_deactivating_under_another_event_shows_the_refusal_and_changes_nothing(self):
        voucher = self.create_voucher()
        other_event = self.create_event()

        response = self.client.post(f"{self.deactivate_url(voucher)}?event_id={other_event.id}", follow=True)

        self.assertContains(response, f"Deactivate of #{voucher.id} failed")
        self.assertTrue(self.is_active(voucher))

    def test_deactivating_needs_a_post_with_csrf_token(self):
        voucher = self.create_voucher()
        url = f"{self.deactivate_url(voucher)}?event_id={self.event.id}"
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(self.make_user(is_staff=True))

        self.assertEqual(self.client.get(url).status_code, 405)
        self.assertEqual(browser.post(url).status_code, 403)
        self.assertTrue(self.is_active(voucher))
