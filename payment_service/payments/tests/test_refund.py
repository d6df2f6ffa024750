"""Refund: an order's succeeded payment is refunded in full once, or in parts up to what was charged."""

from grpc import StatusCode

from payment_service.payments.models import Payment, Refund, SimulatedCharge
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


class PartialRefundTests(PaymentServiceTestCase):
    def partial(self, order_id: int, amount: str, key: str) -> payments_pb2.Payment:
        return self.client.Refund(payments_pb2.RefundRequest(order_id=order_id, amount=amount, key=key))

    def test_a_partial_refund_refunds_its_amount_and_the_payment_stays_succeeded(self):
        self.charge(1, amount="30.00")

        payment = self.partial(1, "12.50", "tickets:7")

        self.assertEqual((payment.status, payment.refunded_amount), (payments_pb2.PAYMENT_STATUS_SUCCEEDED, "12.50"))
        self.assertEqual(str(SimulatedCharge.objects.get().refunded_amount), "12.50")
        self.assertEqual([(r.key, str(r.amount)) for r in Refund.objects.all()], [("tickets:7", "12.50")])

    def test_the_same_key_again_refunds_nothing_more(self):
        self.charge(1, amount="30.00")
        self.partial(1, "10.00", "tickets:7")

        payment = self.partial(1, "10.00", "tickets:7")

        self.assertEqual(payment.refunded_amount, "10.00")
        self.assertEqual(str(SimulatedCharge.objects.get().refunded_amount), "10.00")

    def test_partial_refunds_adding_up_to_the_charge_make_the_payment_refunded(self):
        self.charge(1, amount="30.00")
        self.partial(1, "10.00", "tickets:7")

        payment = self.partial(1, "20.00", "tickets:8")

        self.assertEqual((payment.status, payment.refunded_amount), (payments_pb2.PAYMENT_STATUS_REFUNDED, "30.00"))

    def test_a_full_refund_after_a_partial_one_refunds_what_is_left(self):
        self.charge(1, amount="30.00")
        self.partial(1, "10.00", "tickets:7")

        payment = self.refund(1)

        self.assertEqual((payment.status, payment.refunded_amount), (payments_pb2.PAYMENT_STATUS_REFUNDED, "30.00"))
        self.assertEqual(sorted(str(r.amount) for r in Refund.objects.all()), ["10.00", "20.00"])

    def test_a_refund_past_the_charge_is_failed_precondition_and_refunds_nothing(self):
        self.charge(1, amount="30.00")
        self.partial(1, "25.00", "tickets:7")

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "Refund",
            payments_pb2.RefundRequest(order_id=1, amount="5.01", key="tickets:8"),
        )

        self.assertEqual((error.code, error.extra), ("refund_exceeds_payment", {"refundable": "5.00"}))
        self.assertEqual(self.get_payment(1).refunded_amount, "25.00")
        self.assertEqual(Refund.objects.count(), 1)

    def test_a_partial_refund_of_a_refunded_payment_is_refused(self):
        self.charge(1, amount="30.00")
        self.refund(1)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION, "Refund", payments_pb2.RefundRequest(order_id=1, amount="1.00", key="k")
        )

        self.assertEqual(error.code, "refund_exceeds_payment")

    def test_an_invalid_amount_or_key_is_invalid_argument_on_it(self):
        self.charge(1, amount="30.00")
        for fields, field in (
            ({"amount": "0"}, "amount"),
            ({"amount": "-1.00"}, "amount"),
            ({"amount": "1.001"}, "amount"),
            ({"amount": "NaN"}, "amount"),
            ({"key": "a b"}, "key"),
            ({"key": "k" * 65}, "key"),
            ({"reason": "r" * 1001}, "reason"),
        ):
            with self.subTest(fields):
                error = self.assertFails(
                    StatusCode.INVALID_ARGUMENT, "Refund", payments_pb2.RefundRequest(order_id=1, **fields)
                )
                self.assertIn(field, error.field_errors)
        self.assertEqual(Refund.objects.count(), 0)
