"""gRPC glue of microtix.payments.v1.PaymentService: proto in, service call, proto out.
Domain errors raised by the services become status codes in servicekit's interceptor.
Its callers are other services (tickets), so there is no end-user authorization here."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django_grpc_framework.services import Service

from payment_service.payments import selectors, services
from payment_service.payments.models import Payment
from payment_service.payments.providers import CardDetails
from protos.payments.v1 import payments_pb2, payments_pb2_grpc
from servicekit.errors import InvalidInput
from servicekit.identity import Caller
from servicekit.messages import message_from
from servicekit.pagination import message_fields, page_message


def parse_amount(text: str) -> Decimal:
    """A decimal string such as "25.00" as a Decimal; anything else is invalid input."""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidInput(field_errors={"amount": ['Must be a decimal number such as "25.00".']})
    return amount


def payment_to_proto(payment: Payment) -> payments_pb2.Payment:
    """The payment as the contract's message; money as decimal strings with 2 places."""
    return message_from(payments_pb2.Payment, payment)


class PaymentServicer(Service):
    def Charge(self, request, context):
        """Charge the card for the order, at most once per order."""
        card = request.card
        payment = services.charge_order(
            order_id=request.order_id,
            amount=parse_amount(request.amount),
            currency=request.currency,
            card=CardDetails(number=card.number, exp_month=card.exp_month, exp_year=card.exp_year, cvc=card.cvc),
            description=request.description,
        )
        return payment_to_proto(payment)

    def GetPayment(self, request, context):
        """The order's payment."""
        return payment_to_proto(selectors.get_payment(request.order_id))

    def Refund(self, request, context):
        """Refund the order's payment, in full or `amount` of it, once per key."""
        payment = services.refund_order(
            order_id=request.order_id,
            amount=parse_amount(request.amount) if request.amount else None,
            key=request.key,
            reason=request.reason,
        )
        return payment_to_proto(payment)

    def ListPayments(self, request, context):
        """Payments and refunds newest first, for the back office."""
        page = selectors.list_payments(caller=Caller.from_context(context), **message_fields(request))
        return page_message(payments_pb2.ListPaymentsResponse, page, payment_to_proto)


def grpc_handlers(server) -> None:
    """Register this service's servicers on `server`."""
    payments_pb2_grpc.add_PaymentServiceServicer_to_server(PaymentServicer.as_servicer(), server)
