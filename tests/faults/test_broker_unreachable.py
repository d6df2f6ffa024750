"""Scenario 3: RabbitMQ unreachable during purchases and event changes. Every process of the
stack reaches RabbitMQ through a TCP proxy of the test's own, which is cut (open connections
closed, new ones refused) and restored: the machine's RabbitMQ stays up for everyone else.

    python gateway_project/manage.py test tests.faults.test_broker_unreachable
"""

from urllib.parse import urlsplit, urlunsplit

from devkit.net import TcpProxy
from servicekit.config import env
from tests.faults.support import MailingFaultTestCase, wait_until


class BrokerUnreachableTest(MailingFaultTestCase):
    @classmethod
    def setUpClass(cls):
        broker = urlsplit(env("CELERY_BROKER_URL"))
        cls.proxy = TcpProxy((broker.hostname or "127.0.0.1", broker.port or 5672)).start()
        cls.addClassCleanup(cls.proxy.stop)
        netloc = f"{broker.username or 'guest'}:{broker.password or 'guest'}@127.0.0.1:{cls.proxy.port}"
        cls.broker_url = urlunsplit(broker._replace(netloc=netloc))
        super().setUpClass()

    @classmethod
    def stack_environ(cls):
        return {
            **super().stack_environ(),
            "CELERY_BROKER_URL": cls.broker_url,
            "SWEEP_INTERVAL_SECONDS": "1",
            "EMAIL_RETRY_BACKOFF_SECONDS": "1",
        }

    OUTBOXES = ("events_outboxmessage", "tickets_outboxmessage")

    def unsent_outbox_messages(self, *, tried: bool = False) -> dict[str, int]:
        """Per outbox, the messages not published yet (`tried`: that a relay failed to publish)."""
        condition = "sent_at IS NULL AND attempts > 0" if tried else "sent_at IS NULL"
        return {table: self.rows(f"SELECT COUNT(*) FROM {table} WHERE {condition}")[0][0] for table in self.OUTBOXES}

    def test_purchases_and_event_changes_while_the_broker_is_unreachable_are_emailed_once_when_it_is_back(self):
        changed_event, changed_type = self.create_event()
        cancelled_event, cancelled_type = self.create_event()
        early, early_email = self.new_customer()  # bought before the outage, told of the change
        doomed, doomed_email = self.new_customer()  # bought before the outage, told of the cancellation
        self.buy(early, changed_type)
        self.buy(doomed, cancelled_type)
        self.smtp.wait_for(early_email)
        self.smtp.wait_for(doomed_email)
        late, late_email = self.new_customer()  # buys during the outage

        self.proxy.cut()
        try:
            self.buy(late, changed_type)
            changed = self.organizer.patch(f"/api/events/{changed_event['id']}/", {"venue": "Red Hall"})
            self.assertEqual(changed.status, 200, changed.body)
            self.assertEqual(self.organizer.delete(f"/api/events/{cancelled_event['id']}/").status, 204)
            # Promised, and held in the outboxes while the relays fail to publish them.
            wait_until(lambda: all(self.unsent_outbox_messages(tried=True).values()), 60, "both relays to fail")
            self.assertEqual(self.unsent_outbox_messages(), {"events_outboxmessage": 2, "tickets_outboxmessage": 1})
            self.assertEqual(self.smtp.to(late_email), [])
        finally:
            self.proxy.restore()

        # Each buyer: the confirmation, then the change or the cancellation.
        self.assert_emailed_once({early_email: 2, doomed_email: 2, late_email: 2}, timeout=120)
        wait_until(lambda: not any(self.unsent_outbox_messages().values()), 30, "the outboxes to be published")
        subjects = [message.message["Subject"] for message in self.smtp.to(late_email)]
        self.assertIn("Red Hall", self.smtp.to(late_email)[-1].text(), subjects)
        self.assertIn("cancel", self.smtp.to(doomed_email)[-1].text().lower())
        self.survived()
