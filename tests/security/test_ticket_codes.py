"""Security 5: a ticket code admits its holder only as issued. Forged, truncated and altered
codes are refused at check-in (404 `invalid_ticket`, the real ticket untouched), and a code's
random part is at least 128 bits, so codes cannot be enumerated. Through the gateway (in-process)
and the real tickets and events services."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

from gateway_project.tests.ticketing import TicketingAPITestCase
from tests.security.support import Scenario, tried

MIN_RANDOM_BITS = 128


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _flip(text: str, index: int) -> str:
    """`text` with the character at `index` replaced by another of the code alphabet."""
    alphabet = string.ascii_letters + string.digits + "-_"
    replacement = alphabet[(alphabet.index(text[index]) + 1) % len(alphabet)] if text[index] in alphabet else "A"
    return text[:index] + replacement + text[index + 1 :]


class TicketCodeTest(Scenario, TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.tickets = self.paid_order(self.ticket_type_on_sale(), quantity=3)["tickets"]
        self.code = self.tickets[0]["code"]

    def assert_invalid(self, codes: dict[str, str]) -> None:
        for name, code in codes.items():
            with self.subTest(forgery=name, code=code[:60]):
                self.assertNotEqual(code, self.code)
                response = self.check_in(code)
                tried()
                self.assertEqual(response.status_code, 404, response.content)
                self.assertEqual(response.json()["code"], "invalid_ticket")
        # None of them admitted anyone: the real ticket is still valid, and admits once.
        self.assertEqual(self.check_in(self.code).status_code, 200)

    def test_forged_codes_are_refused(self):
        token, _, _ = self.code.partition(".")
        random_token = _b64(secrets.token_bytes(24))
        other_key_signature = _b64(hmac.digest(b"guess", random_token.encode(), hashlib.sha256)[:16])
        plain_hash = _b64(hashlib.sha256(token.encode()).digest()[:16])
        self.assert_invalid(
            {
                "random token and signature": f"{random_token}.{_b64(secrets.token_bytes(16))}",
                "signed with another key": f"{random_token}.{other_key_signature}",
                "a real token with a made-up signature": f"{token}.{_b64(secrets.token_bytes(16))}",
                "a real token signed with a plain sha256": f"{token}.{plain_hash}",
                "another ticket's signature": f"{token}.{self.tickets[1]['code'].partition('.')[2]}",
                "no signature at all": random_token,
                "not a code": "' OR 1=1 --",
                "an id": str(self.tickets[0]["id"]),
            }
        )

    def test_truncated_codes_are_refused(self):
        token, _, signature = self.code.partition(".")
        self.assert_invalid(
            {
                "last character dropped": self.code[:-1],
                "half of it": self.code[: len(self.code) // 2],
                "the token only": token,
                "the token and the dot": f"{token}.",
                "the signature only": f".{signature}",
                "half a signature": f"{token}.{signature[: len(signature) // 2]}",
                "first character dropped": self.code[1:],
            }
        )

    def test_altered_codes_are_refused(self):
        token, _, signature = self.code.partition(".")
        self.assert_invalid(
            {
                "a token character changed": f"{_flip(token, 5)}.{signature}",
                "a signature character changed": f"{token}.{_flip(signature, 3)}",
                "the last character changed": _flip(self.code, len(self.code) - 1),
                "upper-cased": self.code.upper() if self.code.upper() != self.code else self.code.lower(),
                "a character added": self.code + "A",
                "the parts swapped": f"{signature}.{token}",
                "tokens of two tickets joined": f"{token}.{self.tickets[1]['code']}",
            }
        )

    def test_the_random_part_of_a_code_has_at_least_128_bits(self):
        for ticket in self.tickets:
            token = ticket["code"].partition(".")[0]
            random_bytes = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            self.assertGreaterEqual(len(random_bytes) * 8, MIN_RANDOM_BITS, ticket["code"])
        self.assertEqual(len({ticket["code"].partition(".")[0] for ticket in self.tickets}), len(self.tickets))

    def test_a_code_admits_once(self):
        self.assertEqual(self.check_in(self.code).status_code, 200)

        second = self.check_in(self.code)
        tried()

        self.assertEqual(second.status_code, 409, second.content)
        self.assertEqual(second.json()["code"], "already_checked_in")
