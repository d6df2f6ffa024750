"""Security 7: login attempts and order creation are throttled (429, the standard error shape and
`Retry-After`) at the limits the environment sets, counted across the gateway's worker processes
(the real gunicorn, its throttles' slots in the database), simultaneous requests too."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.test import SimpleTestCase

from servicekit.config import ENV_VARS
from tests.security.support import SYSTEM_ORDER_THROTTLE_RATE, Scenario, future_times, system, tried


def allowed(rate: str) -> int:
    """The number of requests a DRF rate such as "10/min" allows."""
    return int(rate.split("/")[0])


class RateLimitTest(Scenario, SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system = system()
        organizer, _ = cls.system.new_user("organizer")
        event = organizer.post("/api/events/", {"name": "Rate limit night", **future_times()})
        assert event.status == 201, event.body
        ticket_type = organizer.post(
            f"/api/events/{event.body['id']}/ticket-types/", {"name": "General", "price": "5.00", "capacity": 1000}
        )
        assert ticket_type.status == 201, ticket_type.body
        cls.order = {"ticket_type_id": ticket_type.body["id"], "quantity": 1}

    def setUp(self):
        super().setUp()
        self.system.reset_throttles()
        self.addCleanup(self.system.reset_throttles)  # the other tests of the run log in from this address too

    def assert_throttled(self, response) -> None:
        self.assertEqual(response.status, 429, response.body)
        self.assertEqual(response.body["code"], "throttled")
        self.assertIsInstance(response.body["detail"], str)
        self.assertGreater(int(response.headers["Retry-After"]), 0)

    def test_login_attempts_over_the_rate_are_refused_even_with_the_right_password(self):
        client, email = self.system.new_user("customer")
        self.system.reset_throttles()  # new_user logged in once
        limit = allowed(ENV_VARS["LOGIN_THROTTLE_RATE"].default)
        for attempt in range(limit):
            response = client.post("/api/auth/token/", {"email": email, "password": f"guess-{attempt}"})
            self.assertEqual(response.status, 401, f"attempt {attempt + 1}: {response.body}")
        tried(limit)

        self.assert_throttled(
            client.post("/api/auth/token/", {"email": email, "password": "correct-horse-battery-staple"})
        )
        tried()

    def test_order_creation_over_the_rate_is_refused_for_that_user_only(self):
        greedy, _ = self.system.new_user("customer")
        other, _ = self.system.new_user("customer")
        limit = allowed(SYSTEM_ORDER_THROTTLE_RATE)  # the system's own, not the default: read from the environment
        for attempt in range(limit):
            response = greedy.post("/api/orders/", self.order, headers={"Idempotency-Key": uuid.uuid4().hex})
            self.assertEqual(response.status, 201, f"order {attempt + 1}: {response.body}")

        self.assert_throttled(greedy.post("/api/orders/", self.order))
        tried()
        self.assertEqual(other.post("/api/orders/", self.order).status, 201)  # per user, not per address
        self.assertEqual(greedy.get("/api/orders/").status, 200)  # only creating orders is limited

    def test_simultaneous_orders_of_one_user_are_held_to_the_rate(self):
        # One scalper's burst, released at once by a barrier over the gateway's workers and threads.
        greedy, email = self.system.new_user("customer")
        limit, burst, quantity = allowed(SYSTEM_ORDER_THROTTLE_RATE), 45, 2
        organizer, _ = self.system.new_user("organizer")
        _, ticket_type = organizer.create_event(capacity=burst * quantity)  # never sold out: only the limit refuses
        barrier = threading.Barrier(burst)

        def order(_):
            barrier.wait()
            order = {"ticket_type_id": ticket_type["id"], "quantity": quantity}
            return greedy.post("/api/orders/", order, headers={"Idempotency-Key": uuid.uuid4().hex})

        with ThreadPoolExecutor(max_workers=burst) as pool:
            responses = list(pool.map(order, range(burst)))
        tried(burst)

        statuses = sorted(response.status for response in responses)
        self.assertEqual(set(statuses) - {201, 429}, set(), statuses)
        accepted = statuses.count(201)
        self.assertEqual(accepted, limit, statuses)  # at most the limit, and no fewer: the rest are 429s
        for response in responses:
            if response.status == 429:
                self.assert_throttled(response)
        with self.system.database() as db:
            [(orders, seats)] = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(quantity), 0) FROM tickets_order WHERE email = %s", [email]
            )
            [(held,)] = db.execute("SELECT held FROM tickets_tickettype WHERE id = %s", [ticket_type["id"]])
        self.assertEqual((orders, int(seats), held), (accepted, accepted * quantity, accepted * quantity))
