"""The OpenAPI description against the real system: schemathesis generates requests for every
operation of the schema the running gateway serves (/api/schema/), sends them as a customer and
as an organizer, and checks each answer.

- Valid requests (positive generation): never a 5xx; the status, the content type and the body
  are the documented ones. Each operation runs with generated path ids (mostly unknown: 404s),
  with the ids of an event, order and ticket made through the API first, and, for some, with a
  body only the test can know (a real ticket code, a real refresh token, a card): so success
  paths and domain errors answer real data too.
- Invalid requests (negative generation): never a 5xx.

The examples are derandomized: every run sends the same requests."""

import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import requests
import schemathesis
from django.test import SimpleTestCase
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devkit.http import JsonClient
from devkit.processes import ProcessStack
from servicekit.timestamps import iso_text

POSITIVE_EXAMPLES = 25  # per operation, user and variant
NEGATIVE_EXAMPLES = 15
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PASSWORD = "correct-horse-battery-staple"  # JsonClient.login_as_new_user's default
DECLINED_CARD = "4000000000000002"
GOOD_CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": datetime.now(UTC).year + 2, "cvc": "123"}


def _destructive_last(operation) -> tuple:
    """Cancelling the event ends its sales: DELETE runs after everything else, so the other
    operations meet a live event, and cancelling the event last of all, so deleting a ticket type
    does too."""
    cancel = operation.method.upper() == "DELETE" and operation.path == "/api/events/{event_id}/"
    return (operation.method.upper() == "DELETE", cancel, operation.path, operation.method)


def _created(response) -> dict:
    assert response.status == 201, response.body
    return response.body


class OpenAPIConformanceTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Order creation is throttled per user: lifted here so every generated order reaches the services.
        cls.stack = ProcessStack(
            ["gateway", "events", "tickets", "payments", "notifications"],
            environ={"ORDER_THROTTLE_RATE": "100000/min", "VOUCHER_THROTTLE_RATE": "100000/min"},
        ).start()
        cls.addClassCleanup(cls.stack.stop)
        base = cls.stack.base_url
        tag = uuid.uuid4().hex[:8]
        organizer, customer = JsonClient(base), JsonClient(base)
        organizer.login_as_new_user(f"org-{tag}@example.com", "organizer")
        customer.login_as_new_user(f"cust-{tag}@example.com", "customer")
        starts = datetime.now(UTC) + timedelta(days=30)
        times = {"starts_at": iso_text(starts), "ends_at": iso_text(starts + timedelta(hours=3))}
        event = _created(organizer.post("/api/events/", {"name": f"Schema night {tag}", **times}))
        ticket_type = _created(
            organizer.post(
                f"/api/events/{event['id']}/ticket-types/", {"name": "General", "price": "12.50", "capacity": 10_000}
            )
        )
        child = _created(
            organizer.post(
                f"/api/events/{event['id']}/ticket-types/", {"name": "Child", "price": "5.00", "capacity": 10_000}
            )
        )
        # Nothing is ever ordered of it: changed (and hidden, closed...) by generated PATCHes, then deleted.
        spare = _created(
            organizer.post(
                f"/api/events/{event['id']}/ticket-types/", {"name": "Spare", "price": "8.00", "capacity": 100}
            )
        )
        # Sold out (its one seat held by another customer), with the customer on its waiting list.
        tiny = _created(
            organizer.post(f"/api/events/{event['id']}/ticket-types/", {"name": "Tiny", "price": "5.00", "capacity": 1})
        )
        other = JsonClient(base)
        other.login_as_new_user(f"other-{tag}@example.com", "customer")
        _created(other.post("/api/orders/", {"ticket_type_id": tiny["id"], "quantity": 1}))
        waiting_list = f"/api/events/{event['id']}/ticket-types/{tiny['id']}/waiting-list/"
        _created(customer.post(waiting_list, {"quantity": 1}))
        on_the_list = {"event_id": event["id"], "ticket_type_id": tiny["id"]}
        order = {"ticket_type_id": ticket_type["id"], "quantity": 1}
        family = {
            "lines": [
                {"ticket_type_id": ticket_type["id"], "quantity": 2, "attendees": ["Ann", "Bob"]},
                {"ticket_type_id": child["id"], "quantity": 1},
            ]
        }
        vouchers = f"/api/events/{event['id']}/vouchers/"
        discount = {"discount_kind": "percent", "discount_value": "10", "max_uses": 100_000}
        code = f"SCHEMA{tag}".upper()
        _created(organizer.post(vouchers, {"code": code, "unlocks_hidden": True, **discount}))
        (retired,) = _created(organizer.post(vouchers, {"code": f"RETIRED{tag}", **discount}))["results"]
        paid = _created(customer.post("/api/orders/", {**order, "quantity": 2}))
        paid = customer.post(f"/api/orders/{paid['id']}/pay/", GOOD_CARD)
        assert paid.status == 200, paid.body
        ticket = paid.body["tickets"][0]
        # Paid orders for the organizer to refund: one in full, one a ticket of.
        refundable = []
        for _ in range(2):
            bought = _created(customer.post("/api/orders/", {**order, "quantity": 2}))
            bought = customer.post(f"/api/orders/{bought['id']}/pay/", GOOD_CARD)
            assert bought.status == 200, bought.body
            refundable.append(bought.body)
        reserved = [_created(customer.post("/api/orders/", order))["id"] for _ in range(3)]
        staff = f"/api/events/{event['id']}/staff/"
        scanner = _created(organizer.post(staff, {"email": f"door-{tag}@example.com", "role": "scanner"}))
        login = {"email": f"cust-{tag}@example.com", "password": PASSWORD}
        refresh = []
        for _ in range(2):
            tokens = customer.post("/api/auth/token/", login)
            assert tokens.status == 200, tokens.body
            refresh.append(tokens.body["refresh"])

        cls.users = {"customer": customer.token, "organizer": organizer.token}
        cls.known_path_ids = {
            "event_id": event["id"],
            "order_id": reserved[0],
            "ticket_id": ticket["id"],
            "voucher_id": retired["id"],
            "ticket_type_id": spare["id"],
            "staff_id": scanner["id"],
        }
        cls.known_variants = {
            "POST /api/auth/register/": [
                {"body": {"email": f"new-{tag}@example.com", "password": PASSWORD, "full_name": "New User"}}
            ],
            "POST /api/auth/token/": [{"body": login}],
            "POST /api/auth/token/refresh/": [{"body": {"refresh": refresh[0]}}],
            "POST /api/auth/logout/": [{"body": {"refresh": refresh[1]}}],
            "POST /api/events/": [{"body": {"name": f"Second {tag}", **times}}],
            "PATCH /api/events/{event_id}/": [
                {"path_parameters": {"event_id": event["id"]}, "body": {"venue": "Hall C"}},
            ],
            "POST /api/events/{event_id}/ticket-types/": [
                {"path_parameters": {"event_id": event["id"]}, "body": {"name": "VIP", "price": "99", "capacity": 10}},
            ],
            "PATCH /api/events/{event_id}/ticket-types/{ticket_type_id}/": [
                {
                    "path_parameters": {"event_id": event["id"], "ticket_type_id": spare["id"]},
                    "body": {"name": "Spare", "price": "9.00", "capacity": 50, "sales_end": None},
                },
            ],
            "GET /api/events/{event_id}/ticket-types/": [
                {"path_parameters": {"event_id": event["id"]}, "query": {"voucher": code}},
            ],
            "POST /api/events/{event_id}/vouchers/": [
                {"path_parameters": {"event_id": event["id"]}, "body": {"count": 3, **discount}},
            ],
            "POST /api/orders/": [{"body": order}, {"body": family}, {"body": {**family, "voucher": code.lower()}}],
            "POST /api/orders/{order_id}/pay/": [
                {"path_parameters": {"order_id": reserved[1]}, "body": {**GOOD_CARD, "card_number": DECLINED_CARD}},
                {"path_parameters": {"order_id": reserved[2]}, "body": GOOD_CARD},
            ],
            "POST /api/checkins/": [{"body": {"code": ticket["code"]}}],
            "POST /api/checkins/lookup/": [{"body": {"code": ticket["code"]}}],
            "POST /api/events/{event_id}/staff/": [
                {
                    "path_parameters": {"event_id": event["id"]},
                    "body": {"email": f"lead-{tag}@example.com", "role": "manager"},
                },
            ],
            "POST /api/events/{event_id}/orders/{order_id}/refund/": [
                {"path_parameters": {"event_id": event["id"], "order_id": refundable[0]["id"]}, "body": {}},
                {
                    "path_parameters": {"event_id": event["id"], "order_id": refundable[1]["id"]},
                    "body": {"tickets": [refundable[1]["tickets"][0]["id"]]},
                },
            ],
            "POST /api/events/{event_id}/orders/{order_id}/resend/": [
                {"path_parameters": {"event_id": event["id"], "order_id": paid.body["id"]}},
            ],
            "POST /api/orders/{order_id}/resend/": [{"path_parameters": {"order_id": paid.body["id"]}}],
            "POST /api/events/{event_id}/ticket-types/{ticket_type_id}/waiting-list/": [
                {"path_parameters": on_the_list, "body": {"quantity": 1}},
            ],
            "GET /api/events/{event_id}/ticket-types/{ticket_type_id}/waiting-list/": [
                {"path_parameters": on_the_list},
            ],
            "DELETE /api/events/{event_id}/ticket-types/{ticket_type_id}/waiting-list/": [
                {"path_parameters": on_the_list},
                {"path_parameters": on_the_list, "query": {"all": True}},
            ],
        }
        cls.schema = schemathesis.openapi.from_url(f"{base}/api/schema/", timeout=30)

    def variants(self, operation) -> list[dict]:
        """The fixed parts of the valid requests to try: known bodies, known path ids, nothing."""
        variants = [
            {**variant, "media_type": "application/json"} if "body" in variant else variant
            for variant in self.known_variants.get(operation.label, [])
        ]
        path_ids = {parameter.name: self.known_path_ids[parameter.name] for parameter in operation.path_parameters}
        if path_ids:
            variants.append({"path_parameters": path_ids})
        return [*variants, {}]

    def test_every_operation_answers_as_documented(self):
        operations = sorted((result.ok() for result in self.schema.get_all_operations()), key=_destructive_last)
        self.assertGreaterEqual(len(operations), 25, [operation.label for operation in operations])
        session = requests.Session()
        statuses: dict[str, Counter] = defaultdict(Counter)
        failures = []
        started = time.monotonic()
        for operation in operations:
            for user, token in self.users.items():
                headers = {"Authorization": f"Bearer {token}"}
                runs = [(fixed, POSITIVE_EXAMPLES, CONFORMANCE) for fixed in self.variants(operation)]
                if any(operation.iter_parameters()) or operation.body:  # else nothing can be made invalid
                    negative = {"generation_mode": schemathesis.GenerationMode.NEGATIVE}
                    runs.append((negative, NEGATIVE_EXAMPLES, [not_a_server_error]))
                for fixed, examples, checks in runs:
                    strategy = operation.as_strategy(**fixed)
                    failure = self.run_cases(strategy, examples, checks, session, headers, statuses[operation.label])
                    if failure:
                        failures.append(f"{operation.label} as the {user}, {fixed or 'generated'}:\n{failure}")
        elapsed = time.monotonic() - started
        if failures:
            self.fail(f"{len(failures)} run(s) failed:\n\n" + "\n\n".join(failures))
        # The known ids and bodies reached every operation's success path: documented bodies met real data.
        succeeded = {label for label, seen in statuses.items() if any(200 <= code < 300 for code in seen)}
        self.assertEqual(len(succeeded), len(operations), {label: dict(seen) for label, seen in statuses.items()})
        self.assertLess(elapsed, 300)

    def run_cases(self, strategy, examples: int, checks: list, session, headers: dict, statuses: Counter) -> str:
        """Sends `examples` requests drawn from `strategy`; the first failure found (shrunk), or ""."""
        base_url = self.stack.base_url

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(case=strategy)
        def check(case):
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=checks, headers=headers)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # failed checks (a FailureGroup) or a broken request
            return f"{type(exc).__name__}: {exc}"
        return ""
