"""Concurrent calls for one order: the card is charged once and refunded once."""

from django.test import override_settings
from grpc import StatusCode

from payment_service.payments.models import SimulatedCharge
from payment_service.payments.tests.support import DECLINED, MASTERCARD, VISA, PaymentServiceTestCase, charge_request
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
