"""Shared helpers of the payments service tests: test cards, requests and the served PaymentService."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import grpc
from django.db.models import F

from devkit.grpc_testing import GrpcServerTestCase
from payment_service.payments.models import SimulatedCharge
from payment_service.payments.providers import DECLINED_CARDS, RefundResult, SimulatedProvider
from protos.payments.v1 import payments_pb2, payments_pb2_grpc
from servicekit.errors import DomainError

VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
PROCESSING_ERROR = "4000000000000119"
BAD_LUHN = "4242424242424241"
CVC = "8642"
THIS_YEAR = datetime.now(UTC).year


class SlowSimulatedProvider(SimulatedProvider):
    """The simulated provider answering as slowly as a real one, so that concurrent calls for an
    order overlap the charge or refund in flight; declines answer last, so that a decline decided
    alongside a success would be recorded after it if the attempts were not taking turns."""

    def charge(self, **kwargs):
        time.sleep(0.3 if kwargs["card"].number in DECLINED_CARDS else 0.1)
        return super().charge(**kwargs)

    def refund(self, **kwargs):
        time.sleep(0.1)
        return super().refund(**kwargs)


class TrustingProvider(SlowSimulatedProvider):
    """A provider that refunds whatever it is asked, past the charge too: what keeps refunds
    within the charge must be the payments service's own guard."""

    def refund(self, *, charge_id: str, amount):
        time.sleep(0.05)
        charge = SimulatedCharge.objects.get(charge_id=charge_id)
        SimulatedCharge.objects.filter(pk=charge.pk).update(refunded_amount=F("refunded_amount") + amount)
        return RefundResult(charge_id=charge_id, refunded_amount=charge.refunded_amount + amount, refunded_at=None)


def charge_request(
    order_id: int = 1,
    number: str = VISA,
    amount: str = "25.00",
    currency: str = "EUR",
    exp_month: int = 12,
    exp_year: int = THIS_YEAR + 2,
    cvc: str = CVC,
) -> payments_pb2.ChargeRequest:
    """A ChargeRequest with a valid card (the well-known Visa test number unless told otherwise)."""
    card = payments_pb2.Card(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)
    return payments_pb2.ChargeRequest(
        order_id=order_id, amount=amount, currency=currency, card=card, description="2 tickets"
    )


class PaymentServiceTestCase(GrpcServerTestCase):
    """Calls the real PaymentService served in-process."""

    def setUp(self):
        super().setUp()
        self.client = self.grpc_client(payments_pb2_grpc.PaymentServiceStub)

    def charge(self, order_id: int = 1, number: str = VISA, **fields) -> payments_pb2.Payment:
        return self.client.Charge(charge_request(order_id, number, **fields))

    def get_payment(self, order_id: int) -> payments_pb2.Payment:
        return self.client.GetPayment(payments_pb2.GetPaymentRequest(order_id=order_id))

    def refund(self, order_id: int, reason: str = "") -> payments_pb2.Payment:
        return self.client.Refund(payments_pb2.RefundRequest(order_id=order_id, reason=reason))

    def assertFails(self, status: grpc.StatusCode, method: str, request) -> DomainError:
        """The call fails with `status`; returns the error for further checks."""
        with self.assertRaises(DomainError) as raised:
            getattr(self.client, method)(request)
        self.assertEqual(raised.exception.status, status, raised.exception)
        return raised.exception

    def call_all_at_once(self, method: str, requests: list) -> list:
        """Each request from its own thread, released together; the answers (or DomainErrors) in order."""
        barrier = threading.Barrier(len(requests))

        def call(request):
            barrier.wait()
            try:
                return getattr(self.client, method)(request)
            except DomainError as error:
                return error

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(call, requests))
