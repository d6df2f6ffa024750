"""CheckIn: the event's organizer admits each ticket's holder at most once; codes cannot be forged."""

import base64
import secrets
from datetime import datetime

from django.utils.crypto import salted_hmac
from grpc import StatusCode

from protos.tickets.v1 import tickets_pb2
from servicekit.errors import DomainError
from servicekit.timestamps import from_timestamp
from ticket_service.tickets.models import Ticket
from ticket_service.tickets.services import admission
from ticket_service.tickets.tests.support import RaceTestCase, TicketServiceTestCase, from_now, run_together


def altered(code: str, position: int) -> str:
    """`code` with the character at `position` replaced by another one of the same alphabet."""
    replacement = "A" if code[position] != "A" else "B"
    return code[:position] + replacement + code[position + 1 :]


def signed_with_another_key(token: str) -> str:
    """`token` signed as the service signs codes, but under a key that is not the server's."""
    digest = salted_hmac("microtix.tickets.code", token, secret="not-the-server-key", algorithm="sha256").digest()
    return f"{token}.{base64.urlsafe_b64encode(digest[:16]).decode().rstrip('=')}"


class CheckInTests(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.make_ticket_type(capacity=10)
        self.order = self.paid_order(self.ticket_type.id, 2)
        self.ticket = self.order.tickets[0]

    def test_organizer_scanning_a_valid_code_admits_its_holder(self):
        before = from_now(seconds=-1)

        admitted = self.check_in(self.ticket.code)

        self.assertEqual(admitted.ticket_id, self.ticket.id)
        self.assertEqual(admitted.event_id, self.ticket_type.event_id)
        self.assertEqual(admitted.holder_name, self.order.full_name)
        self.assertGreaterEqual(from_timestamp(admitted.checked_in_at), before)
        row = Ticket.objects.get(pk=self.ticket.id)
        self.assertEqual(row.status, Ticket.Status.CHECKED_IN)
        self.assertEqual(row.checked_in_by, self.ORGANIZER.user_id)
        self.assertEqual(row.checked_in_at, from_timestamp(admitted.checked_in_at))

    def test_checked_in_ticket_shows_as_checked_in_to_its_holder(self):
        self.check_in(self.ticket.code)

        fetched = self.call("GetTicket", self.CUSTOMER, ticket_id=self.ticket.id)

        self.assertEqual(fetched.status, tickets_pb2.TICKET_STATUS_CHECKED_IN)
        self.assertTrue(fetched.HasField("checked_in_at"))

    def test_checking_in_one_ticket_leaves_the_others_of_the_order_valid(self):
        self.check_in(self.ticket.code)

        other = Ticket.objects.get(pk=self.order.tickets[1].id)
        self.assertEqual(other.status, Ticket.Status.VALID)

    def test_second_scan_is_already_checked_in_with_the_first_scan_time(self):
        first = self.check_in(self.ticket.code)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION, "already_checked_in", "CheckIn", self.ORGANIZER, code=self.ticket.code
        )

        first_scan = from_timestamp(first.checked_in_at)
        self.assertEqual(datetime.fromisoformat(error.extra["checked_in_at"]), first_scan)
        self.assertIn(error.extra["checked_in_at"], error.message)
        self.assertEqual(Ticket.objects.get(pk=self.ticket.id).checked_in_at, first_scan)

    def test_staff_may_check_in(self):
        admitted = self.check_in(self.ticket.code, self.STAFF)

        self.assertEqual(admitted.ticket_id, self.ticket.id)

    def test_code_with_surrounding_whitespace_is_accepted(self):
        admitted = self.check_in(f"  {self.ticket.code}\n")

        self.assertEqual(admitted.ticket_id, self.ticket.id)

    def test_codes_that_are_not_genuine_are_not_found_invalid_ticket(self):
        code = self.ticket.code
        token = code.partition(".")[0]
        candidates = {
            "forged (valid format, wrong signature)": signed_with_another_key(secrets.token_urlsafe(24)),
            "real token, signature of another key": signed_with_another_key(token),
            "truncated": code[:-1],
            "token only": token,
            "altered token": altered(code, 0),
            "altered signature": altered(code, len(code) - 2),
            "random string": "hello-world",
            "empty": "",
            "just a dot": ".",
            "too long": code + "A" * 100,
        }
        for label, candidate in candidates.items():
            with self.subTest(label):
                self.assertFails(StatusCode.NOT_FOUND, "invalid_ticket", "CheckIn", self.ORGANIZER, code=candidate)
        self.assertEqual(Ticket.objects.get(pk=self.ticket.id).status, Ticket.Status.VALID)

    def test_genuinely_signed_code_of_no_ticket_is_not_found_invalid_ticket(self):
        self.assertFails(
            StatusCode.NOT_FOUND, "invalid_ticket", "CheckIn", self.ORGANIZER, code=admission.new_ticket_code()
        )

    def test_another_organizer_is_told_what_a_forged_code_is_told(self):
        self.assertFails(StatusCode.NOT_FOUND, "invalid_ticket", "CheckIn", self.OTHER_ORGANIZER, code=self.ticket.code)

        self.assertEqual(Ticket.objects.get(pk=self.ticket.id).status, Ticket.Status.VALID)

    def test_customer_is_told_what_a_forged_code_is_told(self):
        self.assertFails(StatusCode.NOT_FOUND, "invalid_ticket", "CheckIn", self.CUSTOMER, code=self.ticket.code)

        self.assertEqual(Ticket.objects.get(pk=self.ticket.id).status, Ticket.Status.VALID)

    def test_void_ticket_is_failed_precondition_ticket_void(self):
        self.call("CancelEventSales", self.ORGANIZER, event_id=self.ticket_type.event_id)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION, "ticket_void", "CheckIn", self.ORGANIZER, code=self.ticket.code
        )
        self.assertEqual(Ticket.objects.get(pk=self.ticket.id).status, Ticket.Status.VOID)


class TicketCodeTests(TicketServiceTestCase):
    def test_issued_codes_carry_a_valid_signature(self):
        (ticket,) = self.paid_order(self.make_ticket_type().id).tickets

        self.assertTrue(admission.is_signed_ticket_code(ticket.code))

    def test_a_tampered_signature_is_rejected(self):
        code = admission.new_ticket_code()
        token, _, signature = code.partition(".")

        for tampered in (
            altered(code, len(code) - 1),
            f"{token}.{signature[:-1]}",
            f"{token}.",
            f"{token}.{signature}x",
        ):
            with self.subTest(tampered=tampered):
                self.assertFalse(admission.is_signed_ticket_code(tampered))

    def test_a_tampered_token_is_rejected(self):
        code = admission.new_ticket_code()

        self.assertFalse(admission.is_signed_ticket_code(altered(code, 3)))

    def test_codes_hold_at_least_128_random_bits(self):
        codes = [admission.new_ticket_code() for _ in range(50)]

        for code in codes:
            token = code.partition(".")[0]
            self.assertRegex(token, r"^[A-Za-z0-9_-]+$")
            self.assertGreaterEqual(len(token) * 6, 128)  # base64url: 6 bits per character
        self.assertEqual(len({c.partition(".")[0] for c in codes}), 50)

    def test_codes_fit_the_code_column(self):
        self.assertLessEqual(len(admission.new_ticket_code()), Ticket._meta.get_field("code").max_length)


class ConcurrentCheckInTests(RaceTestCase):
    """INVARIANT 4: a ticket admits one person, however many scanners read it at once."""

    def test_twenty_scans_of_one_code_at_once_admit_exactly_once(self):
        # Five tickets, one race each: a race lost by chance once is unlikely to be lost five times.
        tickets = self.paid_order(self.make_ticket_type().id, 5).tickets

        for ticket in tickets:
            with self.subTest(ticket=ticket.id):
                results = run_together([lambda code=ticket.code: self.check_in(code)] * 20)

                admitted = [r for r in results if not isinstance(r, DomainError)]
                self.assertEqual(len(admitted), 1, [str(r) for r in results if isinstance(r, DomainError)])
                first_scan = from_timestamp(admitted[0].checked_in_at)
                for refused in results:
                    if isinstance(refused, DomainError):
                        self.assertDomainError(refused, StatusCode.FAILED_PRECONDITION, "already_checked_in")
                        self.assertEqual(datetime.fromisoformat(refused.extra["checked_in_at"]), first_scan)
                self.assertEqual(Ticket.objects.get(pk=ticket.id).checked_in_at, first_scan)
