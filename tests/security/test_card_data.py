"""Security 4: no card number and no CVC at rest or in a log. Real purchases (paid, declined,
refused by the provider, invalid, refunded) through the real gateway, services and worker, then
every text column of every table of the system's schema and every line its processes logged is
searched for the full card numbers and the CVCs used: none is found."""

import re
import secrets
import time
from datetime import UTC, datetime

from django.test import SimpleTestCase

from tests.security.support import Scenario, future_times, standalone, system, tried

DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
PROCESSING_ERROR = "4000000000000119"


def luhn_digit(partial: str) -> str:
    """The check digit that makes `partial` + digit pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(partial)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def distinctive_card_number() -> str:
    """A Luhn-valid Visa number no other test uses (the simulated provider accepts it)."""
    partial = "4" + "".join(secrets.choice("0123456789") for _ in range(14))
    return partial + luhn_digit(partial)


def distinctive_cvc() -> str:
    """Four digits with a leading zero: no log line or column of ours prints such a token."""
    return f"0{secrets.randbelow(900) + 100}"


class CardDataAtRestAndInLogsTest(Scenario, SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system = system()
        cls.system.reset_throttles()
        cls.cards: list[tuple[str, str]] = []  # (number as typed, cvc) of every card sent
        cls.paid_order_ids: list[int] = []
        cls.pay_answers: dict[str, int] = {}
        organizer, _ = cls.system.new_user("organizer")
        customer, cls.customer_email = cls.system.new_user("customer")
        event = organizer.post("/api/events/", {"name": "Card scan night", **future_times()})
        assert event.status == 201, event.body
        cls.event_id = event.body["id"]
        ticket_type = organizer.post(
            f"/api/events/{cls.event_id}/ticket-types/", {"name": "General", "price": "19.99", "capacity": 100}
        )
        assert ticket_type.status == 201, ticket_type.body
        cls.customer, cls.organizer, cls.ticket_type_id = customer, organizer, ticket_type.body["id"]

        good = [distinctive_card_number() for _ in range(3)]
        spaced = distinctive_card_number()
        cls.cls_pay("paid", good[0])
        cls.cls_pay("paid", good[1], exp_year=datetime.now(UTC).year % 100 + 2)  # a 2-digit year
        cls.cls_pay("paid with spaces", " ".join(spaced[i : i + 4] for i in range(0, 16, 4)))
        declined_order = cls.reserve()
        cls.cls_pay("declined", DECLINED, order_id=declined_order)
        cls.cls_pay("paid after a decline", good[2], order_id=declined_order)
        cls.cls_pay("insufficient funds", INSUFFICIENT_FUNDS)
        cls.cls_pay("provider error", PROCESSING_ERROR)
        cls.cls_pay("expired", distinctive_card_number(), exp_year=2001)
        bad_luhn = distinctive_card_number()
        cls.cls_pay("fails the Luhn check", bad_luhn[:-1] + str((int(bad_luhn[-1]) + 1) % 10))
        cls.cls_pay("bad cvc", distinctive_card_number(), cvc="12a")
        tried(6)  # the declined, refused and invalid cards

        # The emails of the paid orders are rendered and sent (the worker logs them), then the
        # event is cancelled and every paid order refunded through the payments service.
        cancelled = organizer.delete(f"/api/events/{cls.event_id}/")
        assert cancelled.status == 204, cancelled.body
        cls.wait_until_refunded()
        cls.wait_until_emails_sent()

    @classmethod
    def reserve(cls) -> int:
        order = cls.customer.post("/api/orders/", {"ticket_type_id": cls.ticket_type_id, "quantity": 1})
        assert order.status == 201, order.body
        return order.body["id"]

    @classmethod
    def cls_pay(cls, label: str, number: str, order_id: int | None = None, **fields) -> None:
        card = {"card_number": number, "exp_month": 12, "exp_year": datetime.now(UTC).year + 2}
        card["cvc"] = distinctive_cvc()
        card.update(fields)
        cls.cards.append((number, card["cvc"]))
        order_id = order_id or cls.reserve()
        answer = cls.customer.post(f"/api/orders/{order_id}/pay/", card)
        cls.pay_answers[label] = answer.status
        if answer.status == 200:
            cls.paid_order_ids.append(order_id)

    @classmethod
    def wait_until_refunded(cls, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            statuses = {cls.customer.get(f"/api/orders/{order_id}/").body["status"] for order_id in cls.paid_order_ids}
            if statuses == {"refunded"}:
                return
            time.sleep(0.5)
        raise AssertionError(f"paid orders not refunded after {timeout}s: {statuses}")

    @classmethod
    def wait_until_emails_sent(cls, timeout: float = 90) -> None:
        """Each paid order's confirmation and the cancellation email reach a final state."""
        deadline = time.monotonic() + timeout
        with cls.system.database() as db:
            while time.monotonic() < deadline:
                rows = db.execute(
                    "SELECT kind, status FROM notifications_notification WHERE recipient = %s", [cls.customer_email]
                )
                kinds = {kind for kind, status in rows if status in ("sent", "failed")}
                settled = all(status in ("sent", "failed") for _, status in rows)
                if (
                    settled
                    and len(rows) > len(cls.paid_order_ids)
                    and {"order_confirmation", "event_cancelled"} <= kinds
                ):
                    return
                time.sleep(0.5)
        raise AssertionError(f"emails not sent after {timeout}s: {rows}")

    def test_the_purchases_took_every_path_of_a_payment(self):
        self.assertEqual(
            self.pay_answers,
            {
                "paid": 200,
                "paid with spaces": 200,
                "declined": 402,
                "paid after a decline": 200,
                "insufficient funds": 402,
                "provider error": 503,
                "expired": 400,
                "fails the Luhn check": 400,
                "bad cvc": 400,
            },
        )

    def test_no_table_holds_a_card_number_or_a_cvc(self):
        needles = self.needles()
        with self.system.database() as db:
            columns = db.text_columns()
            found = db.values_containing([raw for raw, _ in needles.values()])
            # The scan reads this system's rows: the payments it made are there, by their last 4 digits.
            last4 = self.cards[0][0][-4:]
            self.assertTrue(db.values_containing([last4]), f"no row holds {last4}: is the scan reading the schema?")
        self.assertIn("payments_payment", columns)
        self.assertIn("tickets_order", columns)
        leaks = [
            (table, column, what)
            for table, column, value in found
            for what, (_, pattern) in needles.items()
            if pattern.search(value)
        ]
        self.assertEqual(leaks, [], "card data at rest")

    def test_no_log_line_holds_a_card_number_or_a_cvc(self):
        logs = self.system.log_texts()
        # The logs are this system's: the payments service logged the charges (by brand and last 4).
        self.assertIn(f"last4={self.cards[0][0][-4:]}", logs["payments"])
        self.assertIn(f"/api/orders/{self.paid_order_ids[0]}/pay/", logs["gateway"])
        needles = self.needles()
        leaks = [
            (process, what, line)
            for process, text in logs.items()
            for line in text.splitlines()
            for what, (_, pattern) in needles.items()
            if pattern.search(line)
        ]
        self.assertEqual(leaks, [], "card data in logs")

    def needles(self) -> dict[str, tuple[str, re.Pattern]]:
        """What must never be found, by name: each card number (as digits and as typed) and each
        CVC (as a whole token), with the text a database prefilter looks for."""
        needles = {}
        for number, cvc in self.cards:
            digits = number.replace(" ", "")
            needles[f"card {digits}"] = (digits, re.compile(digits))
            needles[f"card as typed {number!r}"] = (number, re.compile(re.escape(number)))
            needles[f"cvc {cvc}"] = (cvc, standalone(cvc))
        return needles
