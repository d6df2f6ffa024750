"""Security 11: JSON nested too deep is a 400 `parse_error` (the standard error shape) on every
route that takes a JSON body, for anyone, however deep: nested past Python's recursion limit
(which crashed the parser: an HTML 500 and a RecursionError traceback) or merely deeper than the
API's limit. The routes are read from the URL resolver, so a new one is covered (or must say why
not). At the real gateway (gunicorn), whose log must show no traceback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

from django.test import SimpleTestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.support import PASSWORD, Scenario, system, tried
from tests.security.test_authorization_matrix import NOT_THE_API

WRITE_METHODS = ("post", "put", "patch")
# 100: parseable, but deeper than the API allows; 1,000 and 100,000: past the recursion limit.
DEPTHS = (100, 1_000, 100_000)
SHAPES = {
    "arrays": lambda depth: "[" * depth + "]" * depth,
    "objects": lambda depth: '{"a":' * depth + "1" + "}" * depth,
}
# Routes that take no body (none in the schema) and ignore one: they must still not crash.
BODYLESS = {
    ("order-cancel", "POST"): "cancels the order in the URL; its schema has no request body",
    ("event-voucher-deactivate", "POST"): "deactivates the voucher in the URL; its schema has no request body",
    ("order-resend", "POST"): "sends the confirmation of the order in the URL; its schema has no request body",
    ("event-order-resend", "POST"): "sends the confirmation of the order in the URL; its schema has no request body",
}


def write_routes(patterns=None, kwargs: tuple[str, ...] = ()) -> list[tuple[str, str, tuple[str, ...]]]:
    """(URL name, method, URL keyword arguments) of every route of the API that accepts POST, PUT or PATCH."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        names = kwargs + tuple(getattr(pattern.pattern, "converters", {}))
        if isinstance(pattern, URLResolver):
            if pattern.namespace not in NOT_THE_API and pattern.app_name not in NOT_THE_API:
                found += write_routes(pattern.url_patterns, names)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None)
            found += [(pattern.name, method.upper(), names) for method in WRITE_METHODS if hasattr(view, method)]
    return found


def send(url: str, method: str, body: str, token: str) -> tuple[int, str, str]:
    """Status, Content-Type and text of the answer to `body` sent as JSON."""
    request = urllib.request.Request(
        url,
        data=body.encode(),
        method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode(errors="replace")


class DeepJsonTest(Scenario, SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system = system()
        # Staff with the customer role passes both the organizers' and the customers' permission checks,
        # so each route gets as far as reading its body.
        client, email = cls.system.new_user("customer")
        with cls.system.database() as db:
            db.execute("UPDATE accounts_user SET is_staff = 1 WHERE email = %s", [email])
        event, ticket_type = client.create_event(capacity=100)
        order = client.post("/api/orders/", {"ticket_type_id": ticket_type["id"], "quantity": 1})
        assert order.status == 201, order.body
        cls.token = client.token
        cls.ids = {
            "event_id": event["id"],
            "order_id": order.body["id"],
            "voucher_id": 1,
            "ticket_type_id": ticket_type["id"],
        }

    def setUp(self):
        super().setUp()
        self.system.reset_throttles()  # the login and order routes are throttled
        self.addCleanup(self.system.reset_throttles)

    def url(self, name: str, kwargs: tuple[str, ...]) -> str:
        missing = [kwarg for kwarg in kwargs if kwarg not in self.ids]
        self.assertEqual(missing, [], f"{name}: no id to put in the URL")
        return self.system.base_url + reverse(name, kwargs={kwarg: self.ids[kwarg] for kwarg in kwargs})

    def test_the_routes_are_read_from_the_url_resolver(self):
        covered = {(name, method) for name, method, _ in write_routes()}

        # A control: the resolver is read (the login, a PATCH, a route with an id in its URL).
        self.assertLessEqual({("token", "POST"), ("event-detail", "PATCH"), ("order-pay", "POST")}, covered)
        self.assertLessEqual(set(BODYLESS), covered, "BODYLESS names a route the gateway no longer serves")

    def test_json_nested_too_deep_is_a_400_parse_error_on_every_route_that_takes_a_body(self):
        log_before = self.system.log_texts()["gateway"]
        refused = []
        for name, method, kwargs in write_routes():
            for shape, make in SHAPES.items():
                for depth in DEPTHS:
                    url = self.url(name, kwargs)
                    status, content_type, text = send(url, method, make(depth), self.token)
                    tried()
                    where = f"{method} {name} ({shape}, {depth} levels): {status} {content_type} {text[:120]!r}"
                    if (name, method) in BODYLESS:
                        if status >= 500 or not content_type.startswith("application/json"):
                            refused.append(where)
                        continue
                    body = json.loads(text) if content_type.startswith("application/json") else None
                    if status != 400 or not isinstance(body, dict) or body.get("code") != "parse_error":
                        refused.append(where)
                    elif "nested" not in body.get("detail", ""):
                        refused.append(f"{where}: the message does not say why")

        self.assertEqual(refused, [], "\n".join(refused))
        logged = self.system.log_texts()["gateway"][len(log_before) :]
        self.assertNotIn("Traceback", logged)
        self.assertNotIn("RecursionError", logged)

    def test_json_within_the_limit_still_reaches_the_view(self):
        # Nested, but not too deep: the registration's own validation answers (a field map), not the parser.
        email = f"nested-{uuid.uuid4().hex[:12]}@example.com"
        body = json.dumps({"email": email, "password": PASSWORD, "full_name": "N", "extra": [[[[{"a": [1]}]]]]})

        status, _, text = send(self.url("register", ()), "POST", body, self.token)

        self.assertEqual(status, 201, text)
