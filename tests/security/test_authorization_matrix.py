"""Security 1: who may call what. One table: every route of the gateway's URL configuration x
{anonymous, customer, the owning organizer, another organizer, staff, a manager and a scanner of
the event} -> the HTTP status expected. The routes are read from the URL resolver, so a new endpoint (or a new method of
one) without a row fails `test_every_route_has_a_row`.

The gateway runs in-process (DRF's test client); the gRPC services behind it are the real
processes, which apply the fine rules (whose order, whose event) themselves."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from gateway_project.accounts.serializers import TokenObtainSerializer
from gateway_project.tests.base import PASSWORD
from gateway_project.tests.ticketing import TicketingAPITestCase, card, from_now
from tests.security.support import Scenario, tried

ROLES = ("anonymous", "customer", "owner", "other_organizer", "staff", "manager", "scanner")
# Parts of the URL configuration that are not the API, and why they have no rows.
NOT_THE_API = {
    "admin": "the Django admin: session login of staff users, tested in gateway_project.backoffice",
    "rest_framework": "DRF's login page for the browsable API: a session form, no data",
}


@dataclass(frozen=True)
class Row:
    """One route and method: how to call it (`path` and `body` from a World) and the status each role gets."""

    path: object  # World -> str
    expected: tuple[int, ...]  # by ROLES
    body: object = None  # World -> dict, or None
    # Changes what it touches (pays, cancels, checks in): every role gets a World of its own.
    fresh: bool = False


def statuses(
    anonymous: int, customer: int, owner: int, other_organizer: int, staff: int, manager: int, scanner: int
) -> tuple:
    """By ROLES. The manager and the scanner are customers' accounts invited to the owner's event."""
    return (anonymous, customer, owner, other_organizer, staff, manager, scanner)


EVERYONE_200 = statuses(200, 200, 200, 200, 200, 200, 200)
USERS_200 = statuses(401, 200, 200, 200, 200, 200, 200)
# The organizer's desk: its organizer, its managers, staff.
DESK_200 = statuses(401, 403, 200, 403, 200, 200, 403)
# The event's staff list: its organizer and platform staff only.
OWNER_AND_STAFF_200 = statuses(401, 403, 200, 403, 200, 403, 403)
BUYER_AND_STAFF_200 = statuses(401, 200, 404, 404, 200, 404, 404)
# At the door, a ticket of an event one does not scan for is answered as a forged code.
DOOR_200 = statuses(401, 404, 200, 404, 200, 200, 200)

MATRIX: dict[tuple[str, str], Row] = {
    ("register", "POST"): Row(
        lambda w: "/api/auth/register/", statuses(201, 201, 201, 201, 201, 201, 201), body=lambda w: w.new_account()
    ),
    ("token", "POST"): Row(lambda w: "/api/auth/token/", EVERYONE_200, body=lambda w: w.login_body),
    ("token-refresh", "POST"): Row(lambda w: "/api/auth/token/refresh/", EVERYONE_200, body=lambda w: w.refresh_body()),
    ("logout", "POST"): Row(
        lambda w: "/api/auth/logout/", statuses(204, 204, 204, 204, 204, 204, 204), body=lambda w: w.refresh_body()
    ),
    ("me", "GET"): Row(lambda w: "/api/auth/me/", USERS_200),
    ("event-list", "GET"): Row(lambda w: "/api/events/", EVERYONE_200),
    ("event-list", "POST"): Row(
        lambda w: "/api/events/", statuses(401, 403, 201, 201, 201, 403, 403), body=lambda w: w.event_body()
    ),
    ("event-mine", "GET"): Row(lambda w: "/api/events/mine/", statuses(401, 403, 200, 200, 200, 403, 403)),
    ("event-staffed", "GET"): Row(lambda w: "/api/events/staffed/", USERS_200),
    ("event-detail", "GET"): Row(lambda w: f"/api/events/{w.event['id']}/", EVERYONE_200),
    ("event-detail", "PATCH"): Row(
        lambda w: f"/api/events/{w.event['id']}/", DESK_200, body=lambda w: {"venue": "Hall B"}, fresh=True
    ),
    ("event-detail", "DELETE"): Row(
        lambda w: f"/api/events/{w.event['id']}/", statuses(401, 403, 204, 403, 204, 403, 403), fresh=True
    ),
    ("event-ticket-types", "GET"): Row(lambda w: f"/api/events/{w.event['id']}/ticket-types/", EVERYONE_200),
    ("event-ticket-types", "POST"): Row(
        lambda w: f"/api/events/{w.event['id']}/ticket-types/",
        statuses(401, 403, 201, 403, 201, 201, 403),
        body=lambda w: {"name": f"Type {uuid.uuid4().hex[:6]}", "price": "9.50", "capacity": 10},
    ),
    ("event-ticket-type", "GET"): Row(lambda w: w.ticket_type_path, EVERYONE_200),
    ("event-ticket-type", "PATCH"): Row(
        lambda w: w.ticket_type_path, DESK_200, body=lambda w: {"capacity": 40}, fresh=True
    ),
    # The waiting list of a sold-out type: customers' accounts (staff, manager and scanner here too) join it
    # and see their own entry; its organizer, managers and staff clear it (`?all=1`).
    ("event-ticket-type-waiting-list", "POST"): Row(
        lambda w: w.waiting_list_path,
        statuses(401, 201, 403, 403, 201, 201, 201),
        body=lambda w: {"quantity": 1},
        fresh=True,
    ),
    ("event-ticket-type-waiting-list", "GET"): Row(
        lambda w: w.joined_waiting_list_path, statuses(401, 200, 404, 404, 404, 404, 404)
    ),
    ("event-ticket-type-waiting-list", "DELETE"): Row(
        lambda w: f"{w.joined_waiting_list_path}?all=1", statuses(401, 403, 200, 403, 200, 200, 403), fresh=True
    ),
    # Nothing of it sold or held: the event's organizer (and staff) delete it.
    ("event-ticket-type", "DELETE"): Row(
        lambda w: w.ticket_type_path, statuses(401, 403, 204, 403, 204, 204, 403), fresh=True
    ),
    ("event-sales", "GET"): Row(lambda w: f"/api/events/{w.event['id']}/sales/", DESK_200),
    ("event-vouchers", "GET"): Row(lambda w: f"/api/events/{w.event['id']}/vouchers/", DESK_200),
    ("event-vouchers", "POST"): Row(
        lambda w: f"/api/events/{w.event['id']}/vouchers/",
        statuses(401, 403, 201, 403, 201, 201, 403),
        body=lambda w: {"code": f"V{uuid.uuid4().hex[:8]}", "discount_kind": "percent", "discount_value": "10"},
    ),
    # No voucher of that id: the event's organizer (and staff) get as far as the 404.
    ("event-voucher-deactivate", "POST"): Row(
        lambda w: f"/api/events/{w.event['id']}/vouchers/999999/deactivate/",
        statuses(401, 403, 404, 403, 404, 404, 403),
    ),
    # The organizer's desk: the event's orders (any buyer's) and its attendees.
    ("event-orders", "GET"): Row(lambda w: f"/api/events/{w.event['id']}/orders/", DESK_200),
    ("event-order", "GET"): Row(lambda w: f"/api/events/{w.event['id']}/orders/{w.reserved_order['id']}/", DESK_200),
    ("event-attendees-csv", "GET"): Row(lambda w: f"/api/events/{w.event['id']}/attendees.csv", DESK_200),
    ("event-order-refund", "POST"): Row(
        lambda w: f"/api/events/{w.event['id']}/orders/{w.paid_order['id']}/refund/",
        DESK_200,
        body=lambda w: {},
        fresh=True,
    ),
    ("event-order-resend", "POST"): Row(
        lambda w: f"/api/events/{w.event['id']}/orders/{w.paid_order['id']}/resend/", DESK_200
    ),
    # Door staff: the event's organizer (and platform staff) invite and remove them.
    ("event-staff", "GET"): Row(lambda w: f"/api/events/{w.event['id']}/staff/", OWNER_AND_STAFF_200),
    ("event-staff", "POST"): Row(
        lambda w: f"/api/events/{w.event['id']}/staff/",
        statuses(401, 403, 201, 403, 201, 403, 403),
        body=lambda w: {"email": f"door-{uuid.uuid4().hex[:8]}@example.com", "role": "scanner"},
    ),
    # No member of that id: the event's organizer (and staff) get as far as the 404.
    ("event-staff-member", "DELETE"): Row(
        lambda w: f"/api/events/{w.event['id']}/staff/999999/", statuses(401, 403, 404, 403, 404, 403, 403)
    ),
    ("order-list", "GET"): Row(lambda w: "/api/orders/", USERS_200),
    ("order-list", "POST"): Row(
        lambda w: "/api/orders/",
        statuses(401, 201, 403, 403, 201, 201, 201),  # staff, manager and scanner here have the customer role
        body=lambda w: {"ticket_type_id": w.ticket_type["id"], "quantity": 1},
    ),
    ("order-detail", "GET"): Row(lambda w: f"/api/orders/{w.reserved_order['id']}/", BUYER_AND_STAFF_200),
    ("order-pay", "POST"): Row(
        lambda w: f"/api/orders/{w.reserved_order['id']}/pay/", BUYER_AND_STAFF_200, body=lambda w: card(), fresh=True
    ),
    ("order-cancel", "POST"): Row(
        lambda w: f"/api/orders/{w.reserved_order['id']}/cancel/", BUYER_AND_STAFF_200, fresh=True
    ),
    ("order-resend", "POST"): Row(lambda w: f"/api/orders/{w.paid_order['id']}/resend/", BUYER_AND_STAFF_200),
    ("ticket-list", "GET"): Row(lambda w: "/api/tickets/", USERS_200),
    ("ticket-detail", "GET"): Row(lambda w: f"/api/tickets/{w.ticket['id']}/", BUYER_AND_STAFF_200),
    ("ticket-qr-svg", "GET"): Row(lambda w: f"/api/tickets/{w.ticket['id']}/qr.svg", BUYER_AND_STAFF_200),
    ("ticket-qr-png", "GET"): Row(lambda w: f"/api/tickets/{w.ticket['id']}/qr.png", BUYER_AND_STAFF_200),
    ("checkin", "POST"): Row(
        lambda w: "/api/checkins/", DOOR_200, body=lambda w: {"code": w.ticket["code"]}, fresh=True
    ),
    ("checkin-lookup", "POST"): Row(
        lambda w: "/api/checkins/lookup/", DOOR_200, body=lambda w: {"code": w.ticket["code"]}
    ),
    ("health", "GET"): Row(lambda w: "/api/health/", EVERYONE_200),
    ("health-live", "GET"): Row(lambda w: "/api/health/live/", EVERYONE_200),
    ("schema", "GET"): Row(lambda w: "/api/schema/", EVERYONE_200),
    ("docs", "GET"): Row(lambda w: "/api/docs/", EVERYONE_200),
    ("redoc", "GET"): Row(lambda w: "/api/redoc/", EVERYONE_200),
    ("api-root", "GET"): Row(lambda w: "/api/", EVERYONE_200),
    ("home", "GET"): Row(lambda w: "/", EVERYONE_200),
    ("metrics", "GET"): Row(lambda w: "/metrics", EVERYONE_200),
}

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def routes(patterns=None, excluded: set | None = None) -> set[tuple[str, str]]:
    """(URL name, HTTP method) of every route the gateway serves, but those in NOT_THE_API."""
    found: set[tuple[str, str]] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in NOT_THE_API or pattern.app_name in NOT_THE_API:
                continue
            found |= routes(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None)
            methods = [m for m in HTTP_METHODS if hasattr(view, m)] if view else ["get"]
            assert pattern.name, f"route {pattern.pattern} has no name: the matrix names routes"
            found |= {(pattern.name, method.upper()) for method in methods}
    return found


class World:
    """The data a row's request is about, made through the API on first use: the owner's event
    with a ticket type, the customer's reserved order, and a paid one with its ticket."""

    def __init__(self, test: AuthorizationMatrixTest):
        self.test = test

    @cached_property
    def event(self) -> dict:
        event = self.test.create_event()
        self.test.invite_staff(event["id"])
        return event

    @cached_property
    def ticket_type(self) -> dict:
        return self.test.create_ticket_type(self.event["id"], capacity=50)

    @property
    def ticket_type_path(self) -> str:
        return f"/api/events/{self.event['id']}/ticket-types/{self.ticket_type['id']}/"

    @cached_property
    def sold_out_type(self) -> dict:
        """A type of the event whose one seat the customer holds."""
        ticket_type = self.test.create_ticket_type(self.event["id"], capacity=1)
        self.test.reserved_order(ticket_type)
        return ticket_type

    @property
    def waiting_list_path(self) -> str:
        return f"/api/events/{self.event['id']}/ticket-types/{self.sold_out_type['id']}/waiting-list/"

    @cached_property
    def joined_waiting_list_path(self) -> str:
        """The sold-out type's waiting list, the customer on it."""
        self.test.authenticate(self.test.customer)
        response = self.test.client.post(self.waiting_list_path, {"quantity": 1}, format="json")
        self.test.assertEqual(response.status_code, 201, response.content)
        return self.waiting_list_path

    @cached_property
    def reserved_order(self) -> dict:
        return self.test.reserved_order(self.ticket_type)

    @cached_property
    def paid_order(self) -> dict:
        return self.test.paid_order(self.ticket_type)

    @cached_property
    def ticket(self) -> dict:
        return self.paid_order["tickets"][0]

    @cached_property
    def account(self):
        return self.test.make_user()

    @property
    def login_body(self) -> dict:
        return {"email": self.account.email, "password": PASSWORD}

    def refresh_body(self) -> dict:
        return {"refresh": str(TokenObtainSerializer.get_token(self.account))}

    def new_account(self) -> dict:
        return {"email": f"new-{uuid.uuid4().hex[:12]}@example.com", "password": PASSWORD, "full_name": "New One"}

    def event_body(self) -> dict:
        return {"name": "Matrix night", "starts_at": from_now(days=40), "ends_at": from_now(days=40, hours=2)}


# Seven roles, a World each for the rows that change things: the customer buys more than a person would.
@override_settings(
    REST_FRAMEWORK={
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "orders": "1000/min"},
    }
)
class AuthorizationMatrixTest(Scenario, TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.users = {
            "anonymous": None,
            "customer": self.customer,
            "owner": self.organizer,
            "other_organizer": self.make_organizer(),
            "staff": self.make_user(is_staff=True),
            "manager": self.make_user(),
            "scanner": self.make_user(),
        }

    def invite_staff(self, event_id: int) -> None:
        """The manager and the scanner, invited to the event by its owner."""
        self.authenticate(self.organizer)
        for role in ("manager", "scanner"):
            body = {"email": self.users[role].email, "role": role}
            response = self.client.post(f"/api/events/{event_id}/staff/", body, format="json")
            self.assertEqual(response.status_code, 201, response.content)

    def test_every_route_has_a_row(self):
        served = routes()

        self.assertEqual(sorted(served - set(MATRIX)), [], "routes without a row in MATRIX")
        self.assertEqual(sorted(set(MATRIX) - served), [], "rows of routes the gateway no longer serves")

    def test_every_role_gets_the_expected_status_on_every_route(self):
        shared = World(self)
        mismatches = []
        for (name, method), row in sorted(MATRIX.items()):
            for role, expected in zip(ROLES, row.expected, strict=True):
                world = World(self) if row.fresh else shared
                path, body = row.path(world), row.body(world) if row.body else None
                self.authenticate(self.users[role])
                response = self.client.generic(method, path, **_json(body))
                if expected in (401, 403, 404):
                    tried()
                if response.status_code != expected:
                    mismatches.append(f"{name} {method} {path} as {role}: {response.status_code}, expected {expected}")
        self.assertEqual(mismatches, [], "\n".join(mismatches))


def _json(body: dict | None) -> dict:
    if body is None:
        return {}
    return {"data": json.dumps(body), "content_type": "application/json"}
