"""Support of the ticketing API tests: an organizer's event with a ticket type, a customer
buying seats of it, and the cards of the payments service's simulated provider.

The services keep their rows across tests, so every test makes new users and events
(named with `self.tag`)."""

import time
import uuid
from datetime import UTC, datetime, timedelta

from rest_framework import status

from gateway_project.tests.base import GatewayAPITestCase

EVENTS_URL = "/api/events/"
ORDERS_URL = "/api/orders/"
TICKETS_URL = "/api/tickets/"
CHECKINS_URL = "/api/checkins/"

GOOD_CARD_NUMBER = "4242424242424242"
DECLINED_CARD_NUMBER = "4000000000000002"
INSUFFICIENT_FUNDS_CARD_NUMBER = "4000000000009995"
PROCESSING_ERROR_CARD_NUMBER = "4000000000000119"

ORDER_FIELDS = {
    "id",
    "status",
    "event_id",
    "ticket_type_id",
    "quantity",
    "unit_price",
    "total",
    "currency",
    "expires_at",
    "email",
    "full_name",
    "created_at",
    "paid_at",
    "tickets",
    "payment",
    "refunded_amount",
    "voucher",
    "voucher_seats",
    "lines",
    "url",
    "event_url",
    "pay_url",
    "cancel_url",
    "resend_url",
}
# An order of the event as its organizer sees it: the organizer's desk's links, not the buyer's.
EVENT_ORDER_FIELDS = ORDER_FIELDS - {"pay_url", "cancel_url"} | {"refund_url"}
LINE_FIELDS = {"ticket_type_id", "name", "quantity", "unit_price", "discount", "total", "attendees"}
TICKET_FIELDS = {
    "id",
    "order_id",
    "event_id",
    "ticket_type_id",
    "code",
    "status",
    "checked_in_at",
    "holder_name",
    "url",
    "order_url",
    "event_url",
    "qr_svg_url",
    "qr_png_url",
}


def from_now(days: float = 0, hours: float = 0, seconds: float = 0) -> str:
    """An ISO 8601 UTC instant relative to now."""
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days, hours=hours, seconds=seconds)
    return moment.isoformat().replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def card(number: str = GOOD_CARD_NUMBER, **fields) -> dict:
    return {"card_number": number, "exp_month": 12, "exp_year": datetime.now(UTC).year + 3, "cvc": "123", **fields}


def event_url(event_id: int) -> str:
    return f"{EVENTS_URL}{event_id}/"


def ticket_types_url(event_id: int) -> str:
    return f"{EVENTS_URL}{event_id}/ticket-types/"


def sales_url(event_id: int) -> str:
    return f"{EVENTS_URL}{event_id}/sales/"


def order_url(order_id: int, action: str = "") -> str:
    return f"{ORDERS_URL}{order_id}/{action + '/' if action else ''}"


def ticket_url(ticket_id: int, suffix: str = "") -> str:
    return f"{TICKETS_URL}{ticket_id}/{suffix}"


class TicketingAPITestCase(GatewayAPITestCase):
    def setUp(self):
        self.tag = uuid.uuid4().hex
        self.organizer = self.make_organizer()
        self.customer = self.make_user(full_name=f"Ada Lovelace {self.tag[:6]}")

    # --- organizer side ---

    def create_event(self, organizer=None, **fields) -> dict:
        self.authenticate(organizer or self.organizer)
        body = {"name": f"Concert {self.tag}", "starts_at": from_now(days=30), "ends_at": from_now(days=30, hours=3)}
        response = self.client.post(EVENTS_URL, {**body, **fields}, format="json")
        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.authenticate(None)
        return response.json()

    def create_ticket_type(self, event_id: int, organizer=None, **fields) -> dict:
        self.authenticate(organizer or self.organizer)
        body = {"name": f"General {self.tag[:8]}", "price": "25.00", "capacity": 100, **fields}
        response = self.client.post(ticket_types_url(event_id), body, format="json")
        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.authenticate(None)
        return response.json()

    def ticket_type_on_sale(self, **fields) -> dict:
        """A ticket type of a new event of self.organizer."""
        return self.create_ticket_type(self.create_event()["id"], **fields)

    def cancel_event(self, event_id: int, organizer=None) -> None:
        self.authenticate(organizer or self.organizer)
        response = self.client.delete(event_url(event_id))
        self.assertEqual(response.status_code, status.HTTP_204_NO_CONTENT, response.content)
        self.authenticate(None)

    def available(self, ticket_type: dict) -> int:
        self.authenticate(None)
        response = self.client.get(ticket_types_url(ticket_type["event_id"]))
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        (listed,) = [t for t in response.json()["results"] if t["id"] == ticket_type["id"]]
        return listed["available"]

    # --- customer side ---

    def reserve(self, ticket_type: dict, quantity: int = 1, user=None, key: str | None = None):
        self.authenticate(user or self.customer)
        headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
        body = {"ticket_type_id": ticket_type["id"], "quantity": quantity}
        return self.client.post(ORDERS_URL, body, format="json", **headers)

    def reserve_lines(self, lines: list[dict], user=None, key: str | None = None):
        """POST an order of `lines` ({ticket_type_id, quantity, attendees?} each)."""
        self.authenticate(user or self.customer)
        headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
        return self.client.post(ORDERS_URL, {"lines": lines}, format="json", **headers)

    def reserved_order(self, ticket_type: dict, quantity: int = 1, user=None) -> dict:
        response = self.reserve(ticket_type, quantity, user)
        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        return response.json()

    def pay(self, order: dict, user=None, **card_fields):
        self.authenticate(user or self.customer)
        return self.client.post(order_url(order["id"], "pay"), card(**card_fields), format="json")

    def paid_order(self, ticket_type: dict, quantity: int = 1, user=None) -> dict:
        response = self.pay(self.reserved_order(ticket_type, quantity, user), user)
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        return response.json()

    def get_order(self, order_id: int, user=None) -> dict:
        self.authenticate(user or self.customer)
        response = self.client.get(order_url(order_id))
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        return response.json()

    def wait_for_order_status(self, order_id: int, wanted: str, user=None, timeout: float = 15) -> dict:
        """The order once its status is `wanted` (the tickets service's sweep runs every few seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            order = self.get_order(order_id, user)
            if order["status"] == wanted or time.monotonic() > deadline:
                return order
            time.sleep(0.25)

    def check_in(self, code: str, user=None):
        self.authenticate(user or self.organizer)
        return self.client.post(CHECKINS_URL, {"code": code}, format="json")

    # --- assertions ---

    def assert_error(self, response, http_status: int, code: str) -> None:
        self.assertEqual(response.status_code, http_status, response.content)
        self.assertEqual(response.json()["code"], code, response.json())
        self.assertIsInstance(response.json()["detail"], str)

    def assert_field_error(self, response, field: str) -> None:
        """A 400 whose body maps `field` to a list of messages."""
        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, response.content)
        messages = response.json().get(field)
        self.assertIsInstance(messages, list, response.json())
        self.assertTrue(messages)
        self.assertTrue(all(isinstance(message, str) for message in messages), messages)
