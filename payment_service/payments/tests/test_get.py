"""GetPayment: the payment of an order."""

from grpc import StatusCode

from payment_service.payments.tests.support import PaymentServiceTestCase
from protos.payments.v1 import payments_pb2


class GetPaymentTests(PaymentServiceTestCase):
    def test_get_payment_returns_the_orders_payment(self):
        charged = self.charge(8)

        self.assertEqual(self.get_payment(8), charged)

    def test_get_payment_of_order_without_payment_is_not_found(self):
        self.charge(8)

        self.assertFails(StatusCode.NOT_FOUND, "GetPayment", payments_pb2.GetPaymentRequest(order_id=9))
