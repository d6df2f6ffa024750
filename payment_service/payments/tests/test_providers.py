"""The provider layer on its own: card checks, brands, and the simulated processor's ledger."""

import time
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

from django.test import SimpleTestCase, TestCase, override_settings

from payment_service.payments import providers
from payment_service.payments.models import SimulatedCharge
from payment_service.payments.providers import (
    SLOW_CARD,
    CardDeclined,
    CardDetails,
    CardInvalid,
    ProviderError,
    SimulatedProvider,
    card_brand,
    get_provider,
    luhn_valid,
    validate_card,
)
from payment_service.payments.tests.support import CVC, VISA

TODAY = datetime(2030, 6, 15, tzinfo=UTC)


def card(number: str = VISA, exp_month: int = 12, exp_year: int = 2031, cvc: str = CVC) -> CardDetails:
    return CardDetails(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)


def field_errors(card_details: CardDetails) -> dict[str, list[str]]:
    """The field errors validate_card raises for the card, as of TODAY ({} if it is valid)."""
    try:
        validate_card(card_details, today=TODAY)
    except CardInvalid as error:
        return error.field_errors
    return {}


class LuhnTests(SimpleTestCase):
    def test_luhn_accepts_well_known_test_numbers(self):
        for number in (VISA, "5555555555554444", "378282246310005", "6011111111111117", "4000000000000002"):
            with self.subTest(number=number):
                self.assertTrue(luhn_valid(number))

    def test_luhn_rejects_a_number_with_one_digit_changed(self):
        for number in ("4242424242424241", "5555555555554445", "378282246310006"):
            with self.subTest(number=number):
                self.assertFalse(luhn_valid(number))

    def test_luhn_rejects_two_adjacent_digits_swapped(self):
        self.assertFalse(luhn_valid("4242424242424224"))


class CardBrandTests(SimpleTestCase):
    def test_numbers_starting_with_4_are_visa(self):
        self.assertEqual(card_brand("4000056655665556"), "visa")

    def test_numbers_starting_with_51_to_55_are_mastercard(self):
        for number in ("5105105105105100", "5555555555554444"):
            with self.subTest(number=number):
                self.assertEqual(card_brand(number), "mastercard")

    def test_numbers_starting_with_2221_to_2720_are_mastercard(self):
        for number in ("2221000000000009", "2720990000000000"):
            with self.subTest(number=number):
                self.assertEqual(card_brand(number), "mastercard")

    def test_numbers_just_outside_the_mastercard_ranges_are_other_cards(self):
        for number in ("5000000000000009", "5600000000000000", "2220990000000000", "2721000000000000"):
            with self.subTest(number=number):
                self.assertEqual(card_brand(number), "card")

    def test_numbers_starting_with_34_or_37_are_amex(self):
        for number in ("340000000000009", "378282246310005"):
            with self.subTest(number=number):
                self.assertEqual(card_brand(number), "amex")

    def test_other_numbers_are_plain_cards(self):
        self.assertEqual(card_brand("6011111111111117"), "card")


class CardDetailsTests(SimpleTestCase):
    def test_repr_shows_neither_the_number_nor_the_cvc(self):
        text = repr(card())

        self.assertNotIn(VISA, text)
        self.assertNotIn(CVC, text)
        self.assertIn("4242", text)


class ValidateCardTests(SimpleTestCase):
    def test_valid_card_passes(self):
        self.assertEqual(field_errors(card()), {})

    def test_twelve_and_nineteen_digit_numbers_pass(self):
        for number in ("424242424242", "4242424242424242428"):
            with self.subTest(number=number):
                self.assertEqual(field_errors(card(number)), {})

    def test_numbers_of_eleven_or_twenty_digits_are_invalid(self):
        for number in ("42424242428", "42424242424242424242"):
            with self.subTest(number=number):
                self.assertEqual(list(field_errors(card(number))), ["card_number"])

    def test_number_with_spaces_is_invalid(self):
        self.assertEqual(list(field_errors(card("4242 4242 4242 4242"))), ["card_number"])

    def test_number_with_non_ascii_digits_is_invalid(self):
        self.assertEqual(list(field_errors(card("\uff14\uff12" * 8))), ["card_number"])

    def test_two_digit_year_means_this_century(self):
        self.assertEqual(field_errors(card(exp_year=31)), {})

    def test_two_digit_year_in_the_past_is_expired(self):
        self.assertEqual(field_errors(card(exp_year=29)), {"exp_year": ["The card has expired."]})

    def test_card_expiring_this_month_is_still_valid(self):
        self.assertEqual(field_errors(card(exp_month=6, exp_year=2030)), {})

    def test_card_that_expired_last_month_is_invalid_on_the_month(self):
        self.assertEqual(field_errors(card(exp_month=5, exp_year=2030)), {"exp_month": ["The card has expired."]})

    def test_month_outside_1_to_12_is_invalid(self):
        for month in (0, 13, -1):
            with self.subTest(month=month):
                self.assertEqual(list(field_errors(card(exp_month=month))), ["exp_month"])

    def test_year_of_three_digits_is_invalid(self):
        self.assertEqual(list(field_errors(card(exp_year=203))), ["exp_year"])

    def test_cvc_of_three_or_four_digits_passes(self):
        for cvc in ("123", "1234"):
            with self.subTest(cvc=cvc):
                self.assertEqual(field_errors(card(cvc=cvc)), {})

    def test_cvc_of_two_or_five_digits_or_letters_is_invalid(self):
        for cvc in ("12", "12345", "12a", ""):
            with self.subTest(cvc=cvc):
                self.assertEqual(list(field_errors(card(cvc=cvc))), ["cvc"])

    def test_every_invalid_field_is_listed(self):
        errors = field_errors(card("1234", exp_month=13, exp_year=2020, cvc="1"))

        self.assertEqual(set(errors), {"card_number", "exp_month", "exp_year", "cvc"})


class SimulatedProviderTests(TestCase):
    def charge(self, key: str = "order-1-1", number: str = VISA):
        provider = SimulatedProvider()
        return provider.charge(idempotency_key=key, amount=Decimal("10.00"), currency="EUR", card=card(number))

    def test_charge_records_a_charge_with_last4_only(self):
        result = self.charge()

        charge = SimulatedCharge.objects.get()
        self.assertEqual((charge.charge_id, charge.brand, charge.last4), (result.charge_id, "visa", "4242"))
        self.assertRegex(charge.charge_id, r"^ch_[0-9a-f]{24}$")

    def test_same_idempotency_key_returns_the_existing_charge(self):
        first = self.charge("order-1-1")

        second = self.charge("order-1-1", "5555555555554444")

        self.assertEqual(second, first)
        self.assertEqual(SimulatedCharge.objects.count(), 1)

    def test_declined_test_cards_are_declined_with_their_reason(self):
        for number, reason in (("4000000000000002", "card_declined"), ("4000000000009995", "insufficient_funds")):
            with self.subTest(number=number), self.assertRaises(CardDeclined) as raised:
                self.charge(number=number)
            self.assertEqual(raised.exception.reason, reason)

    def test_processing_error_card_raises_provider_error(self):
        with self.assertRaises(ProviderError):
            self.charge(number="4000000000000119")

    def test_slow_card_succeeds_after_the_slow_card_delay(self):
        started = time.monotonic()

        with mock.patch.object(providers, "SLOW_CARD_SECONDS", 0.3):
            result = self.charge(number=SLOW_CARD)

        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        self.assertEqual(SimulatedCharge.objects.get().charge_id, result.charge_id)

    def test_refund_beyond_what_remains_of_the_charge_is_provider_error(self):
        provider = SimulatedProvider()
        charge_id = self.charge().charge_id
        provider.refund(charge_id=charge_id, amount=Decimal("10.00"))

        with self.assertRaises(ProviderError):
            provider.refund(charge_id=charge_id, amount=Decimal("0.01"))

    def test_refund_of_unknown_charge_is_provider_error(self):
        with self.assertRaises(ProviderError):
            SimulatedProvider().refund(charge_id="ch_unknown", amount=Decimal("1.00"))


class OtherProvider(SimulatedProvider):
    pass


class GetProviderTests(SimpleTestCase):
    def test_default_provider_is_the_simulated_one(self):
        self.assertIsInstance(get_provider(), SimulatedProvider)

    @override_settings(PAYMENT_PROVIDER=f"{__name__}.OtherProvider")
    def test_provider_is_chosen_by_the_payment_provider_setting(self):
        self.assertIsInstance(get_provider(), OtherProvider)
