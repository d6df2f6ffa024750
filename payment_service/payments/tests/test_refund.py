"""Refund: an order's succeeded payment is refunded in full, once."""

from grpc import StatusCode

from payment_service.payments.models import Payment, SimulatedCharge
from payment_service.payments.tests.support import DECLINED, MASTERCARD, PaymentServiceTestCase, charge_request
from protos.payments.v1 import payments_pb2


class RefundTests(PaymentServiceTestCase):
    def test_refund_makes_the_payment_refunded_in_full(self):
        paid = self.charge(1, amount="25.00")

        payment = self.refund(1)

        self.assertEqual((payment.id, payment.status), (paid.id, payments_pb2.PAYMENT_STATUS_REFUNDED))
        self.assertEqual((payment.refunded_amount, payment.amount), ("25.00", "25.00"))
        self.assertTrue(payment.HasField("refunded_at"))

    def test_refund_refunds_the_provider_charge(self):
        self.charge(1, amount="25.00")

        self.refund(1)

        charge = SimulatedCharge.objects.get()
        self.assertEqual(str(charge.refunded_amount), "25.00")
        self.assertIsNotNone(charge.refunded_at)

    def test_refund_keeps_its_reason(self):
        self.charge(1)

        self.refund(1, reason="event cancelled")

        self.assertEqual(Payment.objects.get().refund_reason, "event cancelled")

    def test_second_refund_returns_the_same_refund(self):
        self.charge(1)
        first = self.refund(1)

        second = self.refund(1)

        self.assertEqual(second, first)

    def test_second_refund_refunds_the_provider_charge_once(self):
        self.charge(1, amount="25.00")
        self.refund(1)

        self.refund(1)

        self.assertEqual(str(SimulatedCharge.objects.get().refunded_amount), "25.00")

    def test_refund_without_payment_is_failed_precondition_nothing_to_refund(self):
        error = self.assertFails(StatusCode.FAILED_PRECONDITION, "Refund", payments_pb2.RefundRequest(order_id=404))

        self.assertEqual(error.code, "nothing_to_refund")

    def test_refund_of_declined_payment_is_failed_precondition_nothing_to_refund(self):
        self.assertFails(StatusCode.FAILED_PRECONDITION, "Charge", charge_request(1, DECLINED))

        error = self.assertFails(StatusCode.FAILED_PRECONDITION, "Refund", payments_pb2.RefundRequest(order_id=1))

        self.assertEqual(error.code, "nothing_to_refund")

    def test_charge_after_refund_returns_the_refunded_payment_and_charges_nothing(self):
        self.charge(1)
        refunded = self.refund(1)

        payment = self.charge(1, MASTERCARD)

        self.assertEqual(payment, refunded)
        self.assertEqual(SimulatedCharge.objects.count(), 1)
