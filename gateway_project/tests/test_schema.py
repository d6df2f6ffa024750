"""The API's OpenAPI description (drf-spectacular): it generates without a warning and validates,
it is served with Swagger UI and ReDoc (from the gateway's own static files), and it matches what the
views really answer, field for field.
Also: the browsable API stays usable with a session login."""

import re
import tempfile
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

from django.core.management import call_command
from django.test import SimpleTestCase
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import status

from gateway_project.tests.base import PASSWORD
from gateway_project.tests.ticketing import (
    CHECKINS_URL,
    DECLINED_CARD_NUMBER,
    EVENTS_URL,
    ORDERS_URL,
    TICKETS_URL,
    TicketingAPITestCase,
    event_url,
    from_now,
    order_url,
    sales_url,
    ticket_types_url,
    ticket_url,
)

SCHEMA_URL = "/api/schema/"
DOCS_URL = "/api/docs/"
REDOC_URL = "/api/redoc/"
DESCRIPTION_VIEWS = (SpectacularAPIView, SpectacularSwaggerView, SpectacularRedocView)  # the description itself


class _Assets(HTMLParser):
    """The URLs of the scripts, stylesheets and icons a page loads."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def assets_of(html: bytes) -> list[str]:
    parser = _Assets()
    parser.feed(html.decode())
    return parser.urls


class SchemaGenerationTests(SimpleTestCase):
    def test_schema_generates_without_warnings_and_validates(self):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "schema.yaml"
            call_command("spectacular", "--file", str(path), "--validate", "--fail-on-warn")
            text = path.read_text()
        self.assertTrue(text.startswith("openapi: 3"), text[:100])

    def test_every_api_route_is_documented(self):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        operations = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
        routes = {
            (method, path)
            for path, _, method, view in EndpointEnumerator().get_api_endpoints()
            if view.cls not in DESCRIPTION_VIEWS
        }
        self.assertEqual(operations, routes)
        self.assertGreaterEqual(len(operations), 25)
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                with self.subTest(f"{method.upper()} {path}"):
                    self.assertTrue(operation.get("summary"))
                    codes = set(operation["responses"])
                    self.assertTrue(codes & {"200", "201", "204"}, codes)
                    if operation.get("security") != [{}]:  # not public
                        self.assertIn("401", codes)


class SchemaEndpointsTests(SimpleTestCase):
    def test_schema_is_served_publicly(self):
        response = self.client.get(SCHEMA_URL, HTTP_AUTHORIZATION="Bearer not-a-token")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content[:500])
        self.assertIn(b"openapi: 3", response.content)
        self.assertIn(b"/api/orders/{order_id}/pay/", response.content)

    def test_schema_is_also_json(self):
        response = self.client.get(SCHEMA_URL, {"format": "json"})

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertTrue(response.json()["openapi"].startswith("3."))

    def test_swagger_ui_renders(self):
        response = self.client.get(DOCS_URL, HTTP_ACCEPT="text/html")

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertIn(b"swagger-ui", response.content)
        self.assertIn(SCHEMA_URL.encode(), response.content)

    def test_swagger_ui_loads_its_assets_from_the_gateway_itself(self):
        self.assert_served_offline(self.client.get(DOCS_URL, HTTP_ACCEPT="text/html"), "swagger-ui")

    def test_redoc_renders(self):
        response = self.client.get(REDOC_URL, HTTP_ACCEPT="text/html")

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertIn(b"<redoc", response.content)
        self.assertIn(SCHEMA_URL.encode(), response.content)

    def test_redoc_loads_its_assets_from_the_gateway_itself(self):
        self.assert_served_offline(self.client.get(REDOC_URL, HTTP_ACCEPT="text/html"), "redoc")

    def assert_served_offline(self, page, name: str):
        """Every asset `page` loads is a static file of the gateway's, and the gateway serves it."""
        self.assertEqual(page.status_code, status.HTTP_200_OK)
        assets = assets_of(page.content)
        self.assertTrue(any(name in url for url in assets), assets)
        for url in assets:
            with self.subTest(url=url):
                self.assertTrue(url.startswith("/static/"), f"{url} is not the gateway's own")
                self.assertEqual(self.client.get(url).status_code, status.HTTP_200_OK)

    def test_the_authorize_dialog_offers_the_bearer_token_first(self):
        # Swagger UI lists the security schemes in the schema's order.
        schemes = self.client.get(SCHEMA_URL, {"format": "json"}).json()["components"]["securitySchemes"]

        first = next(iter(schemes.values()))
        self.assertEqual(first, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})

    def test_an_unrouted_api_url_is_a_json_404(self):
        response = self.client.get("/api/events/not-an-id/")

        self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)
        self.assertEqual(response.json(), {"detail": "Not found.", "code": "not_found"})

    def test_an_unrouted_url_elsewhere_is_django_s_html_404(self):
        response = self.client.get("/no-such-page/")

        self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)
        self.assertIn("text/html", response["Content-Type"])


# --- the schema against real responses ----------------------------------------------------------


class Mismatch(AssertionError):
    pass


class StrictMatcher:
    """Checks a JSON value against an OpenAPI 3.0 schema, more strictly than JSON Schema would: an
    object may carry no property the schema does not name, so an undocumented field fails too."""

    def __init__(self, schema: dict):
        self.components = schema["components"]["schemas"]

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.components[node["$ref"].rsplit("/", 1)[1]]
        return node

    def check(self, value, node: dict, where: str = "body") -> None:
        node = self.resolve(node)
        if value is None:
            if not node.get("nullable"):
                raise Mismatch(f"{where}: null, but not nullable")
            return
        if "allOf" in node:
            parts = [self.resolve(part) for part in node["allOf"]]
            if not all(part.get("type") == "object" for part in parts):  # e.g. a reference to an enum
                for part in parts:
                    self.check(value, part, where)
                return None
            merged = {"type": "object", "properties": {}, "required": []}  # object parts: one object
            for part in parts:
                merged["properties"].update(part.get("properties", {}))
                merged["required"] += part.get("required", [])
            return self.check(value, merged, where)
        if "oneOf" in node:
            matching = [option for option in node["oneOf"] if self.matches(value, option, where)]
            if len(matching) != 1:
                raise Mismatch(f"{where}: {len(matching)} of the oneOf options match {value!r}")
            return None
        kind = node.get("type")
        checker = getattr(self, f"check_{kind}", None)
        if checker is None:
            raise Mismatch(f"{where}: the schema has no type: {node}")
        checker(value, node, where)
        if "enum" in node and value not in node["enum"]:
            raise Mismatch(f"{where}: {value!r} is not one of {node['enum']}")
        return None

    def matches(self, value, node: dict, where: str) -> bool:
        try:
            self.check(value, node, where)
        except Mismatch:
            return False
        return True

    def check_object(self, value, node: dict, where: str) -> None:
        if not isinstance(value, dict):
            raise Mismatch(f"{where}: {value!r} is not an object")
        properties = node.get("properties", {})
        missing = set(node.get("required", [])) - set(value)
        if missing:
            raise Mismatch(f"{where}: missing {sorted(missing)}")
        extra = node.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                self.check(item, properties[key], f"{where}.{key}")
            elif isinstance(extra, dict):
                self.check(item, extra, f"{where}.{key}")
            else:
                raise Mismatch(f"{where}: {key!r} is not documented")

    def check_array(self, value, node: dict, where: str) -> None:
        if not isinstance(value, list):
            raise Mismatch(f"{where}: {value!r} is not an array")
        for index, item in enumerate(value):
            self.check(item, node["items"], f"{where}[{index}]")

    def check_integer(self, value, node: dict, where: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise Mismatch(f"{where}: {value!r} is not an integer")

    def check_boolean(self, value, node: dict, where: str) -> None:
        if not isinstance(value, bool):
            raise Mismatch(f"{where}: {value!r} is not a boolean")

    def check_string(self, value, node: dict, where: str) -> None:
        if not isinstance(value, str):
            raise Mismatch(f"{where}: {value!r} is not a string")
        if "pattern" in node and not re.search(node["pattern"], value):
            raise Mismatch(f"{where}: {value!r} does not match {node['pattern']}")
        if node.get("format") == "date-time":
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise Mismatch(f"{where}: {value!r} is not a date-time") from None
            if not value.endswith("Z"):
                raise Mismatch(f"{where}: {value!r} is not in UTC")


class ResponsesMatchTheSchemaTests(TicketingAPITestCase):
    """Real answers of the gateway (with the real services behind it), each checked against what the
    schema documents for its operation and status."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.schema = SchemaGenerator().get_schema(request=None, public=True)
        cls.matcher = StrictMatcher(cls.schema)

    def assert_documented(self, response, method: str, path: str, expected_status: int) -> dict:
        self.assertEqual(response.status_code, expected_status, response.content)
        responses = self.schema["paths"][path][method.lower()]["responses"]
        self.assertIn(str(expected_status), responses, f"{method} {path}")
        content = responses[str(expected_status)].get("content")
        if content is None:
            self.assertEqual(response.content, b"")
            return {}
        self.assertEqual(list(content), ["application/json"])
        body = response.json()
        try:
            self.matcher.check(body, content["application/json"]["schema"])
        except Mismatch as exc:
            self.fail(f"{method} {path} {expected_status}: {exc}\n{body}")
        return body

    def test_accounts(self):
        email = f"shape-{self.tag[:8]}@example.com"
        user = {"email": email, "password": PASSWORD, "full_name": "Shape Tester"}
        self.assert_documented(self.client.post("/api/auth/register/", user), "POST", "/api/auth/register/", 201)
        invalid = self.client.post("/api/auth/register/", {**user, "role": "admin"}, format="json")
        self.assert_documented(invalid, "POST", "/api/auth/register/", 400)

        login = {"email": email, "password": PASSWORD}
        tokens = self.assert_documented(self.client.post("/api/auth/token/", login), "POST", "/api/auth/token/", 200)
        wrong = self.client.post("/api/auth/token/", {**login, "password": "wrong"})
        self.assert_documented(wrong, "POST", "/api/auth/token/", 401)
        refreshed = self.client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
        tokens = self.assert_documented(refreshed, "POST", "/api/auth/token/refresh/", 200)

        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        self.assert_documented(self.client.get("/api/auth/me/"), "GET", "/api/auth/me/", 200)
        self.client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
        self.assert_documented(self.client.get("/api/auth/me/"), "GET", "/api/auth/me/", 401)
        logout = self.client.post("/api/auth/logout/", {"refresh": tokens["refresh"]})
        self.assert_documented(logout, "POST", "/api/auth/logout/", 204)
        not_refresh = self.client.post("/api/auth/logout/", {"refresh": tokens["access"]})
        self.assert_documented(not_refresh, "POST", "/api/auth/logout/", 401)

    def test_events_and_ticket_types(self):
        self.authenticate(self.organizer)
        body = {"name": f"Shapes {self.tag}", "starts_at": from_now(days=20), "ends_at": from_now(days=20, hours=2)}
        event = self.assert_documented(self.client.post(EVENTS_URL, body), "POST", EVENTS_URL, 201)
        detail = "/api/events/{event_id}/"
        types = "/api/events/{event_id}/ticket-types/"
        changed = self.client.patch(event_url(event["id"]), {"venue": "Hall B"}, format="json")
        self.assert_documented(changed, "PATCH", detail, 200)
        past = self.client.patch(event_url(event["id"]), {"starts_at": from_now(days=-1)}, format="json")
        self.assert_documented(past, "PATCH", detail, 400)
        created = self.client.post(ticket_types_url(event["id"]), {"name": "Seat", "price": "9.90", "capacity": 5})
        self.assert_documented(created, "POST", types, 201)
        self.assert_documented(self.client.get(sales_url(event["id"])), "GET", "/api/events/{event_id}/sales/", 200)
        mine = self.client.get("/api/events/mine/", {"page_size": 1})
        self.assert_documented(mine, "GET", "/api/events/mine/", 200)

        self.authenticate(None)
        listed = self.client.get(EVENTS_URL, {"q": self.tag})
        self.assertEqual(
            [e["id"] for e in self.assert_documented(listed, "GET", EVENTS_URL, 200)["results"]], [event["id"]]
        )
        self.assert_documented(self.client.get(EVENTS_URL, {"cursor": "%%%"}), "GET", EVENTS_URL, 400)
        self.assert_documented(self.client.get(event_url(event["id"])), "GET", detail, 200)
        self.assert_documented(self.client.get(event_url(999_999_999)), "GET", detail, 404)
        self.assert_documented(self.client.get(ticket_types_url(event["id"])), "GET", types, 200)

        self.authenticate(self.customer)
        self.assert_documented(self.client.delete(event_url(event["id"])), "DELETE", detail, 403)
        self.authenticate(self.organizer)
        self.assert_documented(self.client.delete(event_url(event["id"])), "DELETE", detail, 204)
        cancelled = self.client.patch(event_url(event["id"]), {"name": "x"}, format="json")
        self.assert_documented(cancelled, "PATCH", detail, 409)

    def test_orders_tickets_and_check_in(self):
        ticket_type = self.ticket_type_on_sale(price="20.00")
        reserved = self.assert_documented(self.reserve(ticket_type, quantity=2), "POST", ORDERS_URL, 201)
        self.assertEqual(reserved["paid_at"], None)
        declined = self.pay(reserved, number=DECLINED_CARD_NUMBER)
        pay = "/api/orders/{order_id}/pay/"
        self.assertIn("decline_reason", self.assert_documented(declined, "POST", pay, 402))
        self.assert_documented(self.pay(reserved, exp_month=13), "POST", pay, 400)
        paid = self.assert_documented(self.pay(reserved), "POST", pay, 200)
        self.assertEqual(len(paid["tickets"]), 2)
        self.assertIsNotNone(paid["payment"])

        child = self.create_ticket_type(ticket_type["event_id"], name="Child", price="5.00", capacity=1)
        lines = [
            {"ticket_type_id": ticket_type["id"], "quantity": 2, "attendees": ["Ann"]},
            {"ticket_type_id": child["id"], "quantity": 1},
        ]
        family = self.assert_documented(self.reserve_lines(lines), "POST", ORDERS_URL, 201)
        self.assertEqual((family["ticket_type_id"], family["unit_price"], len(family["lines"])), (None, None, 2))
        self.assert_documented(self.reserve_lines(lines[:1] * 2), "POST", ORDERS_URL, 400)
        sold_out = self.assert_documented(self.reserve_lines(lines), "POST", ORDERS_URL, 409)
        self.assertEqual(sold_out["ticket_types"], [{"ticket_type_id": child["id"], "available": 0}])
        limited = self.create_ticket_type(ticket_type["event_id"], name="Promo", max_per_customer=1)
        over = self.assert_documented(self.reserve(limited, quantity=2), "POST", ORDERS_URL, 409)
        self.assertEqual(over["ticket_type_id"], limited["id"])
        paid_family = self.assert_documented(self.pay(family), "POST", pay, 200)
        self.assertEqual([t["holder_name"] for t in paid_family["tickets"]][:1], ["Ann"])

        other = self.reserved_order(ticket_type)
        cancel = "/api/orders/{order_id}/cancel/"
        self.assert_documented(self.client.post(order_url(other["id"], "cancel")), "POST", cancel, 200)
        self.assert_documented(self.client.post(order_url(paid["id"], "cancel")), "POST", cancel, 409)
        self.assert_documented(self.client.get(ORDERS_URL, {"page_size": 1}), "GET", ORDERS_URL, 200)
        self.assert_documented(self.client.get(order_url(paid["id"])), "GET", "/api/orders/{order_id}/", 200)
        self.assert_documented(self.client.get(order_url(999_999_999)), "GET", "/api/orders/{order_id}/", 404)
        self.assert_documented(self.client.get(TICKETS_URL), "GET", TICKETS_URL, 200)
        ticket = paid["tickets"][0]
        self.assert_documented(self.client.get(ticket_url(ticket["id"])), "GET", "/api/tickets/{ticket_id}/", 200)

        admitted = self.assert_documented(self.check_in(ticket["code"]), "POST", CHECKINS_URL, 200)
        again = self.assert_documented(self.check_in(ticket["code"]), "POST", CHECKINS_URL, 409)
        self.assertEqual((again["code"], again["checked_in_at"]), ("already_checked_in", admitted["checked_in_at"]))
        self.assert_documented(self.check_in("not-a-ticket"), "POST", CHECKINS_URL, 404)
        self.assert_documented(self.check_in(ticket["code"], user=self.customer), "POST", CHECKINS_URL, 404)

    def test_the_organizer_s_desk_vouchers_and_staff(self):
        order = self.paid_order(self.ticket_type_on_sale())
        event_id = order["event_id"]
        self.authenticate(self.organizer)
        desk = "/api/events/{event_id}/orders/"
        page = self.assert_documented(self.client.get(f"{event_url(event_id)}orders/"), "GET", desk, 200)
        (listed,) = page["results"]
        self.assert_documented(self.client.get(listed["url"]), "GET", desk + "{order_id}/", 200)
        self.assert_documented(self.client.post(listed["resend_url"]), "POST", desk + "{order_id}/resend/", 200)

        vouchers = "/api/events/{event_id}/vouchers/"
        body = {"code": f"S{self.tag[:8]}", "discount_kind": "amount", "discount_value": "1"}
        created = self.client.post(f"{event_url(event_id)}vouchers/", body, format="json")
        (voucher,) = self.assert_documented(created, "POST", vouchers, 201)["results"]
        self.assert_documented(self.client.get(f"{event_url(event_id)}vouchers/"), "GET", vouchers, 200)
        deactivated = self.client.post(voucher["deactivate_url"])
        self.assert_documented(deactivated, "POST", vouchers + "{voucher_id}/deactivate/", 200)

        staff = "/api/events/{event_id}/staff/"
        invite = {"email": f"desk-{self.tag[:8]}@example.com", "role": "manager"}
        member = self.client.post(f"{event_url(event_id)}staff/", invite, format="json")
        self.assert_documented(member, "POST", staff, 201)
        self.assert_documented(self.client.get(f"{event_url(event_id)}staff/"), "GET", staff, 200)

    def test_links_are_documented_as_uris_and_previous_as_nullable(self):
        components = self.schema["components"]["schemas"]

        self.assertEqual(components["Event"]["properties"]["url"]["format"], "uri")
        self.assertIn("pay_url", components["Order"]["required"])
        self.assertNotIn("pay_url", components["EventOrder"]["properties"])
        self.assertTrue(components["EventPage"]["properties"]["previous"]["nullable"])

    def test_qr_codes_are_the_documented_images(self):
        ticket = self.paid_order(self.ticket_type_on_sale())["tickets"][0]
        self.authenticate(self.customer)
        for suffix, media_type in (("qr.svg", "image/svg+xml"), ("qr.png", "image/png")):
            with self.subTest(suffix):
                response = self.client.get(ticket_url(ticket["id"], suffix))
                self.assertEqual(response.status_code, status.HTTP_200_OK)
                self.assertEqual(response["Content-Type"], media_type)
                documented = self.schema["paths"][f"/api/tickets/{{ticket_id}}/{suffix}"]["get"]["responses"]
                self.assertEqual(list(documented["200"]["content"]), [media_type])

    def test_health(self):
        self.assert_documented(self.client.get("/api/health/"), "GET", "/api/health/", 200)


class BrowsableAPITests(TicketingAPITestCase):
    """A person logged in with a session (as /api-auth/login/ does) clicks through the API in a browser."""

    def test_customer_browses_their_orders_as_html(self):
        self.reserved_order(self.ticket_type_on_sale())
        self.authenticate(None)
        self.assertTrue(self.client.login(email=self.customer.email, password=PASSWORD))

        response = self.client.get(ORDERS_URL, HTTP_ACCEPT="text/html")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content[:500])
        self.assertIn("text/html", response["Content-Type"])
        self.assertContains(response, "<title>Order List")
        self.assertContains(response, "&quot;status&quot;: &quot;reserved&quot;", html=False)

    def test_anyone_browses_events_and_their_ticket_types_as_html(self):
        ticket_type = self.ticket_type_on_sale()
        self.assertTrue(self.client.login(email=self.organizer.email, password=PASSWORD))

        for url, title in (
            (EVENTS_URL, "Event List"),
            (event_url(ticket_type["event_id"]), "Event Detail"),
            (ticket_types_url(ticket_type["event_id"]), "Ticket Type List"),
            (sales_url(ticket_type["event_id"]), "Event Sales"),
        ):
            with self.subTest(url):
                response = self.client.get(url, HTTP_ACCEPT="text/html")
                self.assertEqual(response.status_code, status.HTTP_200_OK, response.content[:500])
                self.assertContains(response, f"<title>{title}")

    def test_login_page_is_routed(self):
        response = self.client.get("/api-auth/login/")

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertContains(response, "csrfmiddlewaretoken")
