"""The site as a person uses it, in a real chromium: the browsable API, the back office and the
API docs, served by the whole stack (gunicorn gateway, gRPC services, worker). Each step leaves a
screenshot in var/screenshots/<test>/ for a reviewer.

Emails go to a closed port and are tried once, so the confirmations of the orders bought here end
`failed`: the back office has failed emails to retry."""

from __future__ import annotations

import subprocess
import sys
import time
import unittest
import uuid
from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase

from devkit import browser
from devkit.http import JsonClient
from devkit.net import free_port
from devkit.processes import ProcessStack
from servicekit.config import REPO_ROOT

PASSWORD = "correct-horse-battery-staple"
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}


@unittest.skipIf(browser.missing(), browser.missing())
class BrowserTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        environ = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(free_port()),  # nobody listens: every email fails
            "EMAIL_MAX_ATTEMPTS": "1",
            "OUTBOX_INTERVAL_SECONDS": "0.5",
        }
        processes = ["gateway", "events", "tickets", "payments", "notifications", "worker"]
        cls.stack = ProcessStack(processes, environ=environ).start()
        cls.addClassCleanup(cls.stack.stop)
        cls.staff_email = f"staff-{uuid.uuid4().hex[:8]}@example.com"
        subprocess.run(
            [sys.executable, "gateway_project/manage.py", "createsuperuser", "--noinput", "--email", cls.staff_email],
            cwd=REPO_ROOT,
            env={**cls.stack.env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD, "DJANGO_SUPERUSER_FULL_NAME": "Stef Staff"},
            check=True,
            capture_output=True,
        )

    def setUp(self):
        self.driver = browser.chromium()
        self.addCleanup(self.driver.quit)
        self.shots = browser.Screenshots(self.driver, self.id().rsplit(".", 2)[-1])

    def open(self, path: str) -> None:
        self.driver.get(f"{self.stack.base_url}{path}")

    def sale(self, buyers: int = 1) -> tuple[dict, dict, list[dict]]:
        """An event of a new organizer with one ticket type, and an order of 2 seats paid by each of
        `buyers` new customers."""
        tag = uuid.uuid4().hex[:8]
        organizer = JsonClient(self.stack.base_url)
        organizer.login_as_new_user(f"org-{tag}@example.com", "organizer")
        event, ticket_type = organizer.create_event(timedelta(days=30), 20, name=f"Browser night {tag}")
        orders = []
        for number in range(buyers):
            customer = JsonClient(self.stack.base_url)
            customer.login_as_new_user(f"fan-{number}-{tag}@example.com", "customer")
            reserved = customer.post("/api/orders/", {"ticket_type_id": ticket_type["id"], "quantity": 2})
            self.assertEqual(reserved.status, 201, reserved.body)
            paid = customer.post(f"/api/orders/{reserved.body['id']}/pay/", CARD)
            self.assertEqual(paid.status, 200, paid.body)
            orders.append(paid.body)
        return event, ticket_type, orders

    def log_into_the_admin(self) -> None:
        self.open("/admin/login/")
        self.driver.find_element("name", "username").send_keys(self.staff_email)
        self.driver.find_element("name", "password").send_keys(PASSWORD)
        self.shots.take("admin login")
        self.driver.find_element("css selector", "input[type=submit]").click()
        # The click returns before the next page may have loaded (checking a password takes a while).
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.wait import WebDriverWait

        try:
            WebDriverWait(self.driver, 15).until(lambda driver: "Site administration" in driver.title)
        except TimeoutException:
            self.shots.take("admin login refused")
            self.fail(f"not logged in: {self.driver.title!r}: {self.driver.find_element('id', 'content').text!r}")
        self.shots.take("admin index")

    def assertShows(self, text: str) -> None:
        """The page's content shows `text` (the failure names the page, not its whole HTML)."""
        content = self.driver.find_element("id", "content").text
        self.assertTrue(text in content, f"{text!r} not on {self.driver.current_url}: {content[:500]!r}")

    def click_link(self, text: str) -> None:
        self.driver.find_element("link text", text).click()


class BrowsableAPIWalkthroughTest(BrowserTestCase):
    def test_a_customer_follows_links_from_the_api_root_to_a_ticket_type_and_reserves_seats(self):
        event, ticket_type, _ = self.sale(buyers=0)
        email = f"walker-{uuid.uuid4().hex[:8]}@example.com"
        JsonClient(self.stack.base_url).login_as_new_user(email, "customer")
        self.open("/api-auth/login/?next=/api/")
        self.driver.find_element("name", "username").send_keys(email)
        self.driver.find_element("name", "password").send_keys(PASSWORD)
        self.driver.find_element("css selector", "form input[type=submit], form button[type=submit]").click()
        self.assertIn("MicroTix API", self.driver.find_element("css selector", ".navbar").text)
        self.shots.take("api root")

        self.follow("/api/events/")
        self.shots.take("events list")
        self.follow(f"/api/events/{event['id']}/")
        self.assertShowsInResponse(event["name"])
        # Not its organizer: the page offers neither to change the event nor to cancel it.
        self.assertEqual(self.driver.find_elements("css selector", "button[data-method=PATCH], .btn-danger"), [])
        self.shots.take("the event")
        self.follow(f"/api/events/{event['id']}/ticket-types/")
        self.assertShowsInResponse(ticket_type["name"])
        self.shots.take("its ticket types")

        self.open("/api/orders/")
        self.driver.find_element("css selector", "a[name=raw-tab][href='#post-generic-content-form']").click()
        content = self.driver.find_element("css selector", "#post-generic-content-form textarea")
        content.clear()
        content.send_keys(f'{{"ticket_type_id": {ticket_type["id"]}, "quantity": 2}}')
        self.shots.take("reservation form")
        self.driver.find_element("css selector", "#post-generic-content-form button").click()

        self.wait_for_response("HTTP 201 Created")
        self.shots.take("reserved")
        self.assertShowsInResponse('"status": "reserved"')

    def follow(self, path: str) -> None:
        """Click the response's link to `path` (the browsable API makes each URL of the JSON a link)."""
        self.driver.find_element("css selector", f".response-info a[href='{self.stack.base_url}{path}']").click()
        self.assertEqual(self.driver.current_url, f"{self.stack.base_url}{path}")

    def wait_for_response(self, text: str, timeout: float = 15) -> None:
        """Wait for the page of the answer to a form sent, showing `text`."""
        from selenium.common.exceptions import StaleElementReferenceException

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in self.driver.find_element("css selector", ".response-info").text:
                    return
            except StaleElementReferenceException:
                pass  # the page changed under us: the answer is coming
            time.sleep(0.2)
        self.assertShowsInResponse(text)

    def assertShowsInResponse(self, text: str) -> None:
        shown = self.driver.find_element("css selector", ".response-info").text
        self.assertTrue(text in shown, f"{text!r} not in the response of {self.driver.current_url}: {shown[:500]!r}")


class BackOfficeWalkthroughTest(BrowserTestCase):
    def test_staff_find_an_order_from_its_event_open_its_ticket_and_cancel_the_event_after_confirming(self):
        event, _, (order,) = self.sale()
        self.log_into_the_admin()

        self.open(f"/admin/backoffice/events/?q={event['name'].split()[-1]}")
        self.shots.take("events found")
        self.click_link(event["name"])
        self.assertShows(event["name"])
        self.shots.take("event page")
        self.driver.find_element("id", "event-orders").click()
        self.shots.take("orders of the event")
        # A sortable column's header sorts by it (the admin's CSS writes headers in capitals: by its class).
        self.driver.find_element("css selector", "#result_list th.column-total .text a").click()
        self.assertIn("o=total", self.driver.current_url)
        self.assertShows("1 order")
        self.shots.take("orders of the event by total")
        self.driver.find_element("css selector", f"#content a[href$='/orders/{order['id']}/']").click()
        self.assertShows(f"Order {order['id']}")
        self.shots.take("order page")
        self.click_link(order["tickets"][0]["code"])
        self.assertShows(order["tickets"][0]["code"])
        self.shots.take("its ticket")

        self.open(f"/admin/backoffice/events/{event['id']}/")
        self.driver.find_element("id", "cancel-event").click()
        self.assertShows("Are you sure")
        self.shots.take("cancel confirmation")
        self.assertEqual(JsonClient(self.stack.base_url).get(f"/api/events/{event['id']}/").body["status"], "published")
        self.driver.find_element("css selector", "#content form input[type=submit]").click()
        self.shots.take("event cancelled")

        self.assertIn("cancelled", self.driver.find_element("css selector", "ul.messagelist").text)
        self.assertEqual(JsonClient(self.stack.base_url).get(f"/api/events/{event['id']}/").body["status"], "cancelled")


class OrdersDateHierarchyTest(BrowserTestCase):
    def test_staff_narrow_the_orders_to_a_year_a_month_then_a_day(self):
        event, _, (order,) = self.sale()
        created = datetime.fromisoformat(order["created_at"]).astimezone(UTC)
        self.log_into_the_admin()

        self.open(f"/admin/backoffice/orders/?q={event['name'].split()[-1]}")
        self.shots.take("orders of the buyers")
        self.click_link(str(created.year))
        self.assertShows("1 order")
        self.shots.take("orders of the year")
        self.click_link(created.strftime("%B %Y"))
        self.shots.take("orders of the month")
        self.click_link(f"{created:%B} {created.day}")
        self.assertIn(f"created_at__day={created.day}", self.driver.current_url)
        self.assertShows(str(order["id"]))
        self.shots.take("orders of the day")


class FailedEmailsTest(BrowserTestCase):
    def test_staff_retry_every_failed_email_of_the_log_at_once_and_keep_the_filter(self):
        from selenium.webdriver.support.select import Select

        self.sale(buyers=2)  # two confirmations, each failed at its one attempt
        self.log_into_the_admin()
        failed = self.wait_for_failed_emails(2)

        self.driver.find_element("id", "action-toggle").click()
        Select(self.driver.find_element("name", "action")).select_by_visible_text("Retry selected failed emails")
        self.shots.take("failed emails selected")
        self.driver.find_element("css selector", "div.actions button[type=submit]").click()

        self.shots.take("retried")
        message = self.driver.find_element("css selector", "ul.messagelist").text
        self.assertTrue(all(f"#{number}" in message for number in failed), message)
        self.assertIn("status=failed", self.driver.current_url)

    def wait_for_failed_emails(self, count: int, timeout: float = 60) -> list[str]:
        """The ids of the failed emails the log lists, once it lists `count`."""
        deadline = time.monotonic() + timeout
        while True:
            self.open("/admin/backoffice/notifications/?status=failed")
            boxes = self.driver.find_elements("css selector", "input.action-select")
            if len(boxes) >= count or time.monotonic() > deadline:
                break
            time.sleep(1)
        self.shots.take("failed emails")
        self.assertGreaterEqual(len(boxes), count)
        return [box.get_attribute("value") for box in boxes]


class APIDocsTest(BrowserTestCase):
    def test_swagger_ui_renders_every_operation_from_the_gateways_own_files(self):
        self.open("/api/docs/")

        operations = self.driver.find_elements("css selector", ".opblock")  # waits for the UI to render

        self.shots.take("swagger ui")
        self.assertGreaterEqual(len(operations), 40)
        sources = [element.get_attribute("src") for element in self.driver.find_elements("css selector", "script[src]")]
        self.assertTrue(sources)
        self.assertTrue(all(source.startswith(self.stack.base_url) for source in sources), sources)

    def test_redoc_renders_the_operations(self):
        self.open("/api/redoc/")

        self.driver.find_element("css selector", "[data-section-id]")

        self.shots.take("redoc")
        self.assertIn("MicroTix API", self.driver.page_source)
