"""gRPC glue of microtix.tickets.v1.TicketService: proto in, service call, proto out."""

from __future__ import annotations

from django_grpc_framework.services import Service

from protos.tickets.v1 import tickets_pb2, tickets_pb2_grpc
from servicekit.identity import Caller
from servicekit.money import money_text
from servicekit.timestamps import to_timestamp
from ticket_service.tickets.models import Order, Ticket, TicketType
from ticket_service.tickets.services import admission, cancellation, holds, payments, selectors, ticket_types

ORDER_STATUS = {
    Order.Status.RESERVED: tickets_pb2.ORDER_STATUS_RESERVED,
    Order.Status.PAID: tickets_pb2.ORDER_STATUS_PAID,
    Order.Status.CANCELLED: tickets_pb2.ORDER_STATUS_CANCELLED,
    Order.Status.EXPIRED: tickets_pb2.ORDER_STATUS_EXPIRED,
    Order.Status.REFUND_PENDING: tickets_pb2.ORDER_STATUS_REFUND_PENDING,
    Order.Status.REFUNDED: tickets_pb2.ORDER_STATUS_REFUNDED,
}
TICKET_STATUS = {
    Ticket.Status.VALID: tickets_pb2.TICKET_STATUS_VALID,
    Ticket.Status.CHECKED_IN: tickets_pb2.TICKET_STATUS_CHECKED_IN,
    Ticket.Status.VOID: tickets_pb2.TICKET_STATUS_VOID,
}


def ticket_type_to_proto(ticket_type: TicketType) -> tickets_pb2.TicketType:
    return tickets_pb2.TicketType(
        id=ticket_type.id,
        event_id=ticket_type.event_id,
        name=ticket_type.name,
        price=money_text(ticket_type.price),
        currency=ticket_type.currency,
        capacity=ticket_type.capacity,
        available=ticket_type.available,
        max_per_order=ticket_type.max_per_order,
        max_per_customer=ticket_type.max_per_customer or 0,
    )


def ticket_to_proto(ticket: Ticket) -> tickets_pb2.Ticket:
    return tickets_pb2.Ticket(
        id=ticket.id,
        order_id=ticket.order_id,
        event_id=ticket.event_id,
        ticket_type_id=ticket.ticket_type_id,
        code=ticket.code,
        status=TICKET_STATUS[ticket.status],
        checked_in_at=to_timestamp(ticket.checked_in_at),
        holder_name=ticket.holder_name,
    )


def order_to_proto(order: Order) -> tickets_pb2.Order:
    message = tickets_pb2.Order(
        id=order.id,
        status=ORDER_STATUS[order.status],
        user_id=order.user_id,
        event_id=order.event_id,
        ticket_type_id=order.ticket_type_id,
        quantity=order.quantity,
        unit_price=money_text(order.unit_price),
        total=money_text(order.total),
        currency=order.currency,
        email=order.email,
        full_name=order.full_name,
        expires_at=to_timestamp(order.expires_at),
        created_at=to_timestamp(order.created_at),
        paid_at=to_timestamp(order.paid_at),
        tickets=[ticket_to_proto(t) for t in selectors.issued_tickets(order)] if order.paid_at else [],
        refunded_amount=money_text(order.refunded_amount),
    )
    if order.payment_last4:
        message.payment.CopyFrom(tickets_pb2.PaymentSummary(brand=order.payment_brand, last4=order.payment_last4))
    return message


class TicketServicer(Service):
    def CreateTicketType(self, request, context):
        """Add a ticket type to the caller's event."""
        ticket_type = ticket_types.create_ticket_type(
            caller=Caller.from_context(context),
            event_id=request.event_id,
            name=request.name,
            price=request.price,
            currency=request.currency,
            capacity=request.capacity,
            max_per_order=request.max_per_order,
            max_per_customer=request.max_per_customer,
        )
        return ticket_type_to_proto(ticket_type)

    def ListTicketTypes(self, request, context):
        """An event's ticket types with live availability."""
        types = ticket_types.list_ticket_types(request.event_id)
        return tickets_pb2.ListTicketTypesResponse(ticket_types=[ticket_type_to_proto(t) for t in types])

    def GetSales(self, request, context):
        """The organizer's sales report of an event."""
        report = ticket_types.sales_report(caller=Caller.from_context(context), event_id=request.event_id)
        return tickets_pb2.SalesReport(
            event_id=report.event_id,
            checked_in=report.checked_in,
            ticket_types=[
                tickets_pb2.TicketTypeSales(
                    ticket_type_id=line.ticket_type.id,
                    name=line.ticket_type.name,
                    capacity=line.ticket_type.capacity,
                    sold=line.ticket_type.sold,
                    held=line.ticket_type.held,
                    available=line.ticket_type.available,
                    revenue=money_text(line.revenue),
                    currency=line.ticket_type.currency,
                )
                for line in report.types
            ],
        )

    def ReserveSeats(self, request, context):
        """Hold seats for the calling customer."""
        order, created = holds.reserve_seats(
            caller=Caller.from_context(context),
            ticket_type_id=request.ticket_type_id,
            quantity=request.quantity,
            email=request.email,
            full_name=request.full_name,
            idempotency_key=request.idempotency_key,
        )
        return tickets_pb2.ReserveSeatsResponse(order=order_to_proto(order), created=created)

    def PayOrder(self, request, context):
        """Charge the order once and issue its tickets."""
        card = payments.CardDetails(
            number=request.card.number,
            exp_month=request.card.exp_month,
            exp_year=request.card.exp_year,
            cvc=request.card.cvc,
        )
        order = payments.pay_order(caller=Caller.from_context(context), order_id=request.order_id, card=card)
        return order_to_proto(order)

    def CancelOrder(self, request, context):
        """Release a reserved order."""
        return order_to_proto(holds.cancel_order(caller=Caller.from_context(context), order_id=request.order_id))

    def GetOrder(self, request, context):
        """One of the caller's orders."""
        return order_to_proto(selectors.get_order(caller=Caller.from_context(context), order_id=request.order_id))

    def ListOrders(self, request, context):
        """The caller's orders, newest first."""
        page = selectors.list_orders(
            caller=Caller.from_context(context),
            page_size=request.page_size,
            page_token=request.page_token,
            all_users=request.all_users,
            status=request.status,
            event_id=request.event_id,
            email_query=request.email_query,
        )
        return tickets_pb2.ListOrdersResponse(
            orders=[order_to_proto(o) for o in page.items], next_page_token=page.next_page_token
        )

    def GetTicket(self, request, context):
        """One of the caller's tickets."""
        return ticket_to_proto(selectors.get_ticket(caller=Caller.from_context(context), ticket_id=request.ticket_id))

    def ListTickets(self, request, context):
        """The caller's tickets, newest first."""
        page = selectors.list_tickets(
            caller=Caller.from_context(context),
            page_size=request.page_size,
            page_token=request.page_token,
            all_users=request.all_users,
            status=request.status,
            event_id=request.event_id,
            code_query=request.code_query,
        )
        return tickets_pb2.ListTicketsResponse(
            tickets=[ticket_to_proto(t) for t in page.items], next_page_token=page.next_page_token
        )

    def CheckIn(self, request, context):
        """Admit a ticket holder at most once."""
        ticket = admission.check_in(caller=Caller.from_context(context), code=request.code)
        return tickets_pb2.CheckInResponse(
            ticket_id=ticket.id,
            event_id=ticket.event_id,
            checked_in_at=to_timestamp(ticket.checked_in_at),
            holder_name=ticket.holder_name,
        )

    def CancelEventSales(self, request, context):
        """Stop an event's sales, void its tickets, queue its refunds."""
        result = cancellation.cancel_event_sales(caller=Caller.from_context(context), event_id=request.event_id)
        return tickets_pb2.CancelEventSalesResponse(
            holds_released=result.holds_released,
            tickets_voided=result.tickets_voided,
            refunds_queued=result.refunds_queued,
        )

    def ListEventBuyers(self, request, context):
        """Who paid for the event, one entry per email, for notifications."""
        buyers, next_token = selectors.list_event_buyers(
            event_id=request.event_id, page_size=request.page_size, page_token=request.page_token
        )
        return tickets_pb2.ListEventBuyersResponse(
            buyers=[
                tickets_pb2.Buyer(
                    email=b.email,
                    full_name=b.full_name,
                    amount_paid=money_text(b.amount_paid),
                    currency=b.currency,
                    tickets=b.tickets,
                )
                for b in buyers
            ],
            next_page_token=next_token,
        )


def grpc_handlers(server) -> None:
    tickets_pb2_grpc.add_TicketServiceServicer_to_server(TicketServicer.as_servicer(), server)
