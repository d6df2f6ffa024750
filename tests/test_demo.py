"""`make demo` (gateway_project/manage.py demo) against the real services: it seeds users, events,
ticket types and paid orders, and the logins and curl commands it prints work.

    python gateway_project/manage.py test tests.test_demo
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import unittest

from django.test import SimpleTestCase

from devkit.http import JsonClient
from devkit.net import free_port
from devkit.processes import ProcessStack
from servicekit.stack import REPO_ROOT

ORGANIZER = "demo-organizer@example.com"
CUSTOMERS = ["demo-customer-1@example.com", "demo-customer-2@example.com", "demo-customer-3@example.com"]
PASSWORD = "microtix-demo"


def run_demo(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "gateway_project" / "manage.py"), "demo", *args],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


class DemoCommandTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack = ProcessStack(["gateway", "events", "tickets", "payments", "notifications"]).start()
        cls.addClassCleanup(cls.stack.stop)
        cls.first = run_demo(cls.stack.env, "--events", "3", "--base-url", cls.stack.base_url)

    def login(self, email: str) -> JsonClient:
        client = JsonClient(self.stack.base_url)
        tokens = client.post("/api/auth/token/", {"email": email, "password": PASSWORD})
        self.assertEqual(tokens.status, 200, tokens.body)
        client.token = tokens.body["access"]
        return client

    def test_it_succeeds_and_prints_the_logins_and_curl_commands(self):
        self.assertEqual(self.first.returncode, 0, self.first.stderr)
        out, base = self.first.stdout, self.stack.base_url
        self.assertIn("3 events, 6 ticket types, 6 paid orders (9 tickets)", out)
        self.assertIn(f"password for every one: {PASSWORD}", out)
        for email in [ORGANIZER, *CUSTOMERS]:
            self.assertIn(email, out)
        self.assertIn(f"TOKEN=$(curl -s -XPOST {base}/api/auth/token/", out)
        self.assertIn(f"curl -s {base}/api/events/", out)
        self.assertIn(f"ORDER=$(curl -s -XPOST {base}/api/orders/", out)
        self.assertIn(f"curl -s -XPOST {base}/api/orders/$ORDER/pay/", out)
        self.assertIn("4242424242424242", out)
        self.assertIn("Creating events [", self.first.stderr)  # the progress bar
        self.assertIn("] 3/3", self.first.stderr)

    def test_the_events_exist_with_two_ticket_types_and_sold_tickets(self):
        organizer = self.login(ORGANIZER)
        mine = organizer.get("/api/events/mine/?page_size=100")
        self.assertEqual(mine.status, 200, mine.body)
        events = mine.body["results"]
        self.assertGreaterEqual(len(events), 3)
        public = {
            event["id"] for event in JsonClient(self.stack.base_url).get("/api/events/?page_size=100").body["results"]
        }
        for event in events[:3]:
            self.assertIn(event["id"], public)
            self.assertEqual(event["status"], "published")
            sales = organizer.get(f"/api/events/{event['id']}/sales/")
            self.assertEqual(sales.status, 200, sales.body)
            sold = {line["name"]: line["sold"] for line in sales.body["ticket_types"]}
            self.assertEqual(sold, {"General admission": 2, "VIP": 1})
        tickets = self.login(CUSTOMERS[0]).get("/api/tickets/")
        self.assertEqual(tickets.status, 200, tickets.body)
        self.assertTrue(tickets.body["results"])

    @unittest.skipUnless(shutil.which("curl") and shutil.which("python3"), "needs curl and python3")
    def test_the_printed_curl_commands_buy_a_ticket(self):
        lines = self.first.stdout.splitlines()
        commands = [line.strip() for line in lines if line.strip().startswith(("TOKEN=", "ORDER=", "curl "))]
        script = "set -e\n" + "\n".join(commands) + "\nprintf '\\norder=%s\\n' \"$ORDER\"\n"

        result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)

        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('"status":"paid"', result.stdout.replace(" ", ""))
        order_id = result.stdout.strip().splitlines()[-1].removeprefix("order=")
        order = self.login(CUSTOMERS[0]).get(f"/api/orders/{order_id}/")
        self.assertEqual((order.status, order.body["status"]), (200, "paid"))

    def test_running_it_again_reuses_the_demo_users(self):
        again = run_demo(self.stack.env, "--events", "1", "--base-url", self.stack.base_url)

        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("1 events, 2 ticket types", again.stdout)
        organizer = self.login(ORGANIZER)
        me = organizer.get("/api/auth/me/")
        self.assertEqual(me.body["email"], ORGANIZER)
        mine = organizer.get("/api/events/mine/?page_size=100").body["results"]
        self.assertGreaterEqual(len(mine), 4)  # the same organizer owns both runs' events
        self.assertEqual({event["organizer_id"] for event in mine}, {me.body["id"]})

    def test_without_the_services_it_says_to_start_them(self):
        environ = {**self.stack.env, "MICROTIX_EVENTS_ADDR": f"127.0.0.1:{free_port()}"}

        result = run_demo(environ, "--events", "1")

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("The events service at", result.stderr)
        self.assertIn("make up", result.stderr)
