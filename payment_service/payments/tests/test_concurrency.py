"""Concurrent calls for one order: the card is charged once, a refund is made once per key, and
refunds never add up to more than the charge."""

from django.test import override_settings
from grpc import StatusCode

from payment_service.payments.models import Refund, SimulatedCharge
from payment_service.payments.tests.support import (
    DECLINED,
    MASTERCARD,
    VISA,
    PaymentServiceTestCase,
    charge_request,
)
from protos.payments.v1 import payments_pb2

CALLERS = 20


@override_settings(PAYMENT_PROVIDER="payment_service.payments.tests.support.SlowSimulatedProvider")
class ConcurrentChargeTests(PaymentServiceTestCase):
    def test_twenty_simultaneous_charges_of_one_order_charge_the_card_once(self):
        cards = [VISA, MASTERCARD] * (CALLERS // 2)

        answers = self.call_all_at_once("Charge", [charge_request(11, card) for card in cards])

        self.assertEqual([type(answer) for answer in answers], [payments_pb2.Payment] * CALLERS, answers)
        self.assertEqual({answer.id for answer in answers}, {answers[0].id})
        self.assertEqual(SimulatedCharge.objects.count(), 1)

    def test_simultaneous_retries_after_a_decline_with_good_and_declined_cards_charge_once(self):
        self.assertFails(StatusCode.FAILED_PRECONDITION, "Charge", charge_request(13, DECLINED))
        cards = [VISA, DECLINED] * (CALLERS // 2)

        answers = self.call_all_at_once("Charge", [charge_request(13, card) for card in cards])

        self.assertEqual(SimulatedCharge.objects.count(), 1)
        payment = self.get_payment(13)
        self.assertEqual(payment.status, payments_pb2.PAYMENT_STATUS_SUCCEEDED)
        self.assertTrue(all(answer == payment for answer in answers if isinstance(answer, payments_pb2.Payment)))
        self.assertTrue(all(answer.code == "payment_declined" for answer in answers if isinstance(answer, Exception)))

    def test_twenty_simultaneous_refunds_of_one_order_refund_it_once(self):
        paid = self.charge(12, amount="30.00")
        request = payments_pb2.RefundRequest(order_id=12)

        answers = self.call_all_at_once("Refund", [request] * CALLERS)

        self.assertEqual([type(answer) for answer in answers], [payments_pb2.Payment] * CALLERS, answers)
        self.assertEqual({(answer.id, answer.refunded_amount) for answer in answers}, {(paid.id, "30.00")})
        self.assertEqual(str(SimulatedCharge.objects.get().refunded_amount), "30.00")

    def test_twenty_simultaneous_partial_refunds_under_one_key_refund_once(self):
        self.charge(14, amount="30.00")
        request = payments_pb2.RefundRequest(order_id=14, amount="10.00", key="tickets:1")

        answers = self.call_all_at_once("Refund", [request] * CALLERS)

        self.assertEqual([type(answer) for answer in answers], [payments_pb2.Payment] * CALLERS, answers)
        self.assertEqual({answer.refunded_amount for answer in answers}, {"10.00"})
        self.assertEqual(str(SimulatedCharge.objects.get().refunded_amount), "10.00")
        self.assertEqual(Refund.objects.count(), 1)


@override_settings(PAYMENT_PROVIDER="payment_service.payments.tests.support.TrustingProvider")
class ConcurrentPartialRefundTests(PaymentServiceTestCase):
    """Against a provider that refunds whatever it is asked: the payments service alone keeps the
    refunds within the charge."""

    def test_twenty_simultaneous_partial_refunds_never_add_up_past_the_charge(self):
        self.charge(21, amount="30.00")
        requests = [payments_pb2.RefundRequest(order_id=21, amount="4.00", key=f"part:{n}") for n in range(CALLERS)]

        answers = self.call_all_at_once("Refund", requests)

        refunded = [answer for answer in answers if isinstance(answer, payments_pb2.Payment)]
        refused = [answer.code for answer in answers if not isinstance(answer, payments_pb2.Payment)]
        self.assertEqual((len(refunded), refused), (7, ["refund_exceeds_payment"] * 13), answers)
        self.assertEqual(str(SimulatedCharge.objects.get().refunded_amount), "28.00")
        self.assertEqual(self.get_payment(21).refunded_amount, "28.00")
        self.assertEqual(sorted(str(refund.amount) for refund in Refund.objects.all()), ["4.00"] * 7)
