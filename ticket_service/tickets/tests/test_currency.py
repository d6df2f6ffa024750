"""Currency codes are checked against ISO 4217's list (pycountry's data), not just their shape."""

from django.test import SimpleTestCase

from ticket_service.tickets.services.ticket_types import is_iso_4217


class Iso4217Tests(SimpleTestCase):
    def test_currencies_in_use_are_iso_4217(self):
        for code in ("USD", "EUR", "JPY", "CHF", "GBP", "INR", "BRL"):
            with self.subTest(code=code):
                self.assertTrue(is_iso_4217(code))

    def test_well_formed_codes_outside_the_list_are_not(self):
        for code in ("ZZZ", "ABC", "EUX"):
            with self.subTest(code=code):
                self.assertFalse(is_iso_4217(code))

    def test_codes_must_be_upper_case(self):
        self.assertFalse(is_iso_4217("usd"))

    def test_malformed_codes_are_not(self):
        for code in ("", "US", "USDD", "U$D", "USD\n", "ÜSD"):
            with self.subTest(code=code):
                self.assertFalse(is_iso_4217(code))
