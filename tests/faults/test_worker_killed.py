"""Scenario 4: the Celery worker is killed (SIGKILL, its whole process group) while it sends
an email: the SMTP server holds the message before accepting it, and the worker dies waiting.

    python gateway_project/manage.py test tests.faults.test_worker_killed
"""

from tests.faults.support import MailingFaultTestCase

# The worker's claim on an email it is sending (NOTIFICATION_CLAIM_SECONDS, 300 by default): once
# it is older, the email's redelivered send takes the dead worker's claim over.
CLAIM_SECONDS = 10


class WorkerKilledMidTaskTest(MailingFaultTestCase):
    @classmethod
    def stack_environ(cls):
        return {**super().stack_environ(), "NOTIFICATION_CLAIM_SECONDS": str(CLAIM_SECONDS)}

    def notification_of(self, address: str) -> tuple[str, int]:
        return self.rows("SELECT status, attempts FROM notifications_notification WHERE recipient = %s", (address,))[0]

    def test_a_worker_killed_while_sending_leaves_the_email_to_its_redelivered_task_which_sends_it_once(self):
        _, ticket_type = self.create_event()
        customer, email = self.new_customer()
        self.smtp.hold = 120  # the server takes its time before accepting: the worker waits on it
        self.addCleanup(setattr, self.smtp, "hold", 0.0)

        order = self.buy(customer, ticket_type)
        self.smtp.wait_holding(email)
        self.assertEqual(self.notification_of(email)[0], "sending")
        self.stack.kill_process("worker")
        self.smtp.hold = 0.0
        self.stack.restart_process("worker")

        self.assert_emailed_once({email: 1}, timeout=CLAIM_SECONDS + 60)
        self.assertEqual(self.notification_of(email), ("sent", 1))
        self.assertIn(order["tickets"][0]["code"], self.smtp.to(email)[0].text())
        self.survived()
