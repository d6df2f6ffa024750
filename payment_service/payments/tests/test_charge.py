"""Charge: a card is charged at most once per order; declines, provider errors and bad input."""

from grpc import StatusCode

from payment_service.payments.models import Payment, SimulatedCharge
from payment_service.payments.tests.support import (
    BAD_LUHN,
    DECLINED,
    INSUFFICIENT_FUNDS,
    MASTERCARD,
    PROCESSING_ERROR,
    THIS_YEAR,
    VISA,
    PaymentServiceTestCase,
    charge_request,
)
from protos.payments.v1 import payments_pb2


class ChargeTests(PaymentServiceTestCase):
    def test_charge_with_good_card_succeeds_with_brand_last4_and_amount(self):
        payment = self.charge(order_id=5, amount="25.00", currency="EUR")

        self.assertEqual(payment.status, payments_pb2.PAYMENT_STATUS_SUCCEEDED)
        self.assertEqual((payment.order_id, payment.amount, payment.currency), (5, "25.00", "EUR"))
        self.assertEqual((payment.brand, payment.last4), ("visa", "4242"))
        self.assertEqual(payment.refunded_amount, "0.00")
        self.assertFalse(payment.HasField("refunded_at"))

    def test_charge_records_one_provider_charge_of_the_amount(self):
        self.charge(amount="40.50", currency="USD")

        charge = SimulatedCharge.objects.get()
        self.assertEqual((str(charge.amount), charge.currency, charge.last4), ("40.50", "USD", "4242"))
        self.assertEqual(Payment.objects.get().provider_charge_id, charge.charge_id)

    def test_brand_comes_from_the_card_number(self):
        payment = self.charge(number=MASTERCARD)

        self.assertEqual((payment.brand, payment.last4), ("mastercard", "4444"))

    def test_whole_amount_is_answered_with_two_decimals(self):
        payment = self.charge(amount="25")

        self.assertEqual(payment.amount, "25.00")

    def test_declined_card_is_failed_precondition_payment_declined(self):
        error = self.assertFails(StatusCode.FAILED_PRECONDITION, "Charge", charge_request(number=DECLINED))

        self.assertEqual(error.code, "payment_declined")
        self.assertEqual(error.extra, {"decline_reason": "card_declined"})

    def test_insufficient_funds_decline_is_recorded_with_its_reason(self):
        error = self.assertFails(StatusCode.FAILED_PRECONDITION, "Charge", charge_request(7, INSUFFICIENT_FUNDS))

        self.assertEqual(error.extra, {"decline_reason": "insufficient_funds"})
        self.assertIn("insufficient_funds", error.message)
        payment = self.get_payment(7)
        self.assertEqual(payment.status, payments_pb2.PAYMENT_STATUS_DECLINED)
        self.assertEqual((payment.decline_reason, payment.brand, payment.last4), ("insufficient_funds", "visa", "9995"))

    def test_declined_card_is_not_charged(self):
        self.assertFails(StatusCode.FAILED_PRECONDITION, "Charge", charge_request(number=DECLINED))

        self.assertFalse(SimulatedCharge.objects.exists())

    def test_processing_error_is_unavailable_payment_provider_error(self):
        error = self.assertFails(StatusCode.UNAVAILABLE, "Charge", charge_request(number=PROCESSING_ERROR))

        self.assertEqual(error.code, "payment_provider_error")

    def test_processing_error_charges_and_records_nothing(self):
        self.assertFails(StatusCode.UNAVAILABLE, "Charge", charge_request(number=PROCESSING_ERROR))

        self.assertFalse(SimulatedCharge.objects.exists())
        self.assertFalse(Payment.objects.exists())

    def test_retry_with_good_card_after_decline_succeeds(self):
        self.assertFails(StatusCode.FAILED_PRECONDITION, "Charge", charge_request(3, DECLINED))

        payment = self.charge(3, VISA)

        self.assertEqual(payment.status, payments_pb2.PAYMENT_STATUS_SUCCEEDED)
        self.assertEqual((payment.last4, payment.decline_reason), ("4242", ""))
        self.assertEqual(SimulatedCharge.objects.count(), 1)

    def test_retry_after_processing_error_succeeds(self):
        self.assertFails(StatusCode.UNAVAILABLE, "Charge", charge_request(3, PROCESSING_ERROR))

        payment = self.charge(3, VISA)

        self.assertEqual(payment.status, payments_pb2.PAYMENT_STATUS_SUCCEEDED)

    def test_second_charge_of_paid_order_returns_same_payment_and_charges_no_other_card(self):
        first = self.charge(9, VISA, amount="25.00")

        second = self.charge(9, MASTERCARD, amount="99.00")

        self.assertEqual(second, first)
        self.assertEqual(SimulatedCharge.objects.count(), 1)

    def test_second_charge_of_paid_order_returns_the_payment_whatever_the_card(self):
        first = self.charge(9, VISA)

        second = self.charge(9, DECLINED)

        self.assertEqual(second, first)

    def test_separate_orders_are_charged_separately(self):
        first, second = self.charge(1), self.charge(2)

        self.assertNotEqual(first.id, second.id)
        self.assertEqual(SimulatedCharge.objects.count(), 2)


class InvalidChargeTests(PaymentServiceTestCase):
    def test_card_number_failing_luhn_check_is_invalid_argument(self):
        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(number=BAD_LUHN))

        self.assertEqual(list(error.field_errors), ["card_number"])

    def test_card_number_with_letters_is_invalid_argument(self):
        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(number="4242abcd42424242"))

        self.assertEqual(list(error.field_errors), ["card_number"])

    def test_card_expired_last_year_is_invalid_argument(self):
        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(exp_year=THIS_YEAR - 1))

        self.assertEqual(error.field_errors, {"exp_year": ["The card has expired."]})

    def test_expiry_month_13_is_invalid_argument(self):
        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(exp_month=13))

        self.assertEqual(list(error.field_errors), ["exp_month"])

    def test_two_digit_cvc_is_invalid_argument(self):
        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(cvc="12"))

        self.assertEqual(list(error.field_errors), ["cvc"])

    def test_missing_card_is_invalid_argument_on_every_card_field(self):
        request = payments_pb2.ChargeRequest(order_id=1, amount="25.00", currency="EUR")

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", request)

        self.assertEqual(set(error.field_errors), {"card_number", "exp_month", "exp_year", "cvc"})

    def test_invalid_card_charges_and_records_nothing(self):
        self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(number=BAD_LUHN))

        self.assertFalse(SimulatedCharge.objects.exists())
        self.assertFalse(Payment.objects.exists())

    def test_invalid_card_after_decline_keeps_the_decline_record(self):
        self.assertFails(StatusCode.FAILED_PRECONDITION, "Charge", charge_request(4, DECLINED))

        self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(4, BAD_LUHN))

        self.assertEqual(self.get_payment(4).decline_reason, "card_declined")

    def test_amount_that_is_not_a_decimal_string_is_invalid_argument(self):
        for amount in ("", "abc", "25,00", "NaN", "Infinity"):
            with self.subTest(amount=amount):
                error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(amount=amount))
                self.assertEqual(list(error.field_errors), ["amount"])

    def test_amount_that_is_not_positive_is_invalid_argument(self):
        for amount in ("0", "0.00", "-5.00"):
            with self.subTest(amount=amount):
                error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(amount=amount))
                self.assertEqual(list(error.field_errors), ["amount"])

    def test_amount_with_more_than_two_decimals_is_invalid_argument(self):
        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(amount="25.001"))

        self.assertEqual(list(error.field_errors), ["amount"])

    def test_amount_too_large_for_the_ledger_is_invalid_argument(self):
        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(amount="10000000000.00"))

        self.assertEqual(list(error.field_errors), ["amount"])

    def test_currency_that_is_not_three_capital_letters_is_invalid_argument(self):
        for currency in ("", "eur", "EURO", "E1R"):
            with self.subTest(currency=currency):
                error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(currency=currency))
                self.assertEqual(list(error.field_errors), ["currency"])

    def test_order_id_that_is_not_positive_is_invalid_argument(self):
        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(order_id=0))

        self.assertEqual(list(error.field_errors), ["order_id"])

    def test_invalid_amount_charges_nothing(self):
        self.assertFails(StatusCode.INVALID_ARGUMENT, "Charge", charge_request(amount="-1"))

        self.assertFalse(SimulatedCharge.objects.exists())
