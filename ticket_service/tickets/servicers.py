"""gRPC glue of microtix.tickets.v1.TicketService: proto in, service call, proto out."""

from __future__ import annotations

from django_grpc_framework.services import Service

from protos.tickets.v1 import tickets_pb2, tickets_pb2_grpc
from servicekit.identity import Caller
from servicekit.messages import message_from
from servicekit.pagination import message_fields, page_message
from servicekit.timestamps import optional_datetime, to_timestamp
from ticket_service.tickets.models import Order, OrderLine, Ticket, TicketType, Voucher
from ticket_service.tickets.services import (
    admission,
    cancellation,
    confirmations,
    holds,
    payments,
    refunds,
    selectors,
    ticket_type_changes,
    ticket_types,
    vouchers,
    waiting_list,
)

# The fields of an UpdateTicketTypeRequest that are changed as they come, when present.
EDITABLE_SCALARS = ("name", "price", "capacity", "max_per_order", "hidden")


def ticket_type_to_proto(ticket_type: TicketType) -> tickets_pb2.TicketType:
    # Available to the open sale: none while its waiting list has entries.
    return message_from(
        tickets_pb2.TicketType, ticket_type, sales_end=ticket_type.sales_until, available=ticket_type.on_sale
    )


def ticket_to_proto(ticket: Ticket) -> tickets_pb2.Ticket:
    return message_from(tickets_pb2.Ticket, ticket)


def order_line_to_proto(line: OrderLine) -> tickets_pb2.OrderLine:
    return message_from(tickets_pb2.OrderLine, line, name=line.ticket_type.name, attendees=line.attendees)


def order_to_proto(order: Order) -> tickets_pb2.Order:
    payment = tickets_pb2.PaymentSummary(brand=order.payment_brand, last4=order.payment_last4)
    return message_from(
        tickets_pb2.Order,
        order,
        lines=[order_line_to_proto(line) for line in selectors.order_lines(order)],
        tickets=[ticket_to_proto(t) for t in selectors.issued_tickets(order)] if order.paid_at else [],
        payment=payment if order.payment_last4 else None,
        voucher=order.voucher.code if order.voucher_id else "",
    )


def voucher_to_proto(voucher: Voucher) -> tickets_pb2.Voucher:
    return message_from(tickets_pb2.Voucher, voucher)


def waiting_entry_to_proto(view: waiting_list.EntryView) -> tickets_pb2.WaitingListEntry:
    return message_from(
        tickets_pb2.WaitingListEntry,
        view.entry,
        position=view.position,
        seats_ahead=view.seats_ahead,
        order_status=view.order_status or None,
        offer_expires_at=view.offer_expires_at,
    )


def attendee_to_proto(attendee: selectors.Attendee) -> tickets_pb2.Attendee:
    return message_from(tickets_pb2.Attendee, attendee)


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
            sales_start=optional_datetime(request, "sales_start"),
            sales_end=optional_datetime(request, "sales_end"),
            hidden=request.hidden,
        )
        return ticket_type_to_proto(ticket_type)

    def ListTicketTypes(self, request, context):
        """An event's ticket types with live availability."""
        types = ticket_types.list_ticket_types(
            caller=Caller.from_context(context), event_id=request.event_id, voucher_code=request.voucher
        )
        return tickets_pb2.ListTicketTypesResponse(ticket_types=[ticket_type_to_proto(t) for t in types])

    def GetTicketType(self, request, context):
        """One ticket type of an event with live availability."""
        ticket_type = ticket_types.get_ticket_type(
            caller=Caller.from_context(context), event_id=request.event_id, ticket_type_id=request.ticket_type_id
        )
        return ticket_type_to_proto(ticket_type)

    def UpdateTicketType(self, request, context):
        """Change the fields present in the request."""
        changes = {f: getattr(request, f) for f in EDITABLE_SCALARS if request.HasField(f)}
        if request.HasField("sales_start"):
            changes["sales_start"] = optional_datetime(request, "sales_start")
        if request.HasField("sales_end"):
            changes["sales_end"] = optional_datetime(request, "sales_end")
        elif request.reset_sales_end:
            changes["sales_end"] = None
        ticket_type = ticket_type_changes.update_ticket_type(
            caller=Caller.from_context(context),
            event_id=request.event_id,
            ticket_type_id=request.ticket_type_id,
            changes=changes,
        )
        return ticket_type_to_proto(ticket_type)

    def DeleteTicketType(self, request, context):
        """Delete a ticket type nothing was ever sold or held of."""
        ticket_type_changes.delete_ticket_type(
            caller=Caller.from_context(context), event_id=request.event_id, ticket_type_id=request.ticket_type_id
        )
        return tickets_pb2.DeleteTicketTypeResponse()

    def GetSales(self, request, context):
        """The organizer's sales report of an event."""
        report = ticket_types.sales_report(caller=Caller.from_context(context), event_id=request.event_id)
        return tickets_pb2.SalesReport(
            event_id=report.event_id,
            checked_in=report.checked_in,
            ticket_types=[
                message_from(
                    tickets_pb2.TicketTypeSales,
                    line.ticket_type,
                    ticket_type_id=line.ticket_type.id,
                    revenue=line.revenue,
                    discounts=line.discounts,
                    waiting_entries=line.waiting.entries,
                    waiting_seats=line.waiting.seats,
                )
                for line in report.types
            ],
        )

    def ReserveSeats(self, request, context):
        """Hold seats for the calling customer: every line's, or none."""
        order, created = holds.reserve_seats(
            caller=Caller.from_context(context),
            lines=[holds.LineRequest(li.ticket_type_id, li.quantity, tuple(li.attendees)) for li in request.lines],
            ticket_type_id=request.ticket_type_id,
            quantity=request.quantity,
            email=request.email,
            full_name=request.full_name,
            idempotency_key=request.idempotency_key,
            voucher_code=request.voucher,
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
        """The caller's orders, newest first or sorted, with the periods of a date hierarchy if asked."""
        caller, filters = Caller.from_context(context), message_fields(request)
        hierarchy = {name: filters.pop(name) for name in ("date_hierarchy", "time_zone")}
        response = page_message(
            tickets_pb2.ListOrdersResponse, selectors.list_orders(caller=caller, **filters), order_to_proto
        )
        if hierarchy["date_hierarchy"]:
            for name in ("page_size", "page_token", "order_by", "with_total_count"):  # the filters alone
                filters.pop(name)
            periods = selectors.order_dates(caller=caller, **hierarchy, **filters)
            response.created_dates.periods.extend(to_timestamp(period) for period in periods)
        return response

    def GetTicket(self, request, context):
        """One of the caller's tickets."""
        return ticket_to_proto(selectors.get_ticket(caller=Caller.from_context(context), ticket_id=request.ticket_id))

    def ListTickets(self, request, context):
        """The caller's tickets, newest first."""
        page = selectors.list_tickets(caller=Caller.from_context(context), **message_fields(request))
        return page_message(tickets_pb2.ListTicketsResponse, page, ticket_to_proto)

    def CheckIn(self, request, context):
        """Admit a ticket holder at most once."""
        ticket = admission.check_in(caller=Caller.from_context(context), code=request.code)
        return message_from(tickets_pb2.CheckInResponse, ticket, ticket_id=ticket.id)

    def LookUpTicket(self, request, context):
        """The ticket of a scanned code, for the event's door staff."""
        return ticket_to_proto(admission.find_ticket(caller=Caller.from_context(context), code=request.code))

    def CancelEventSales(self, request, context):
        """Stop an event's sales, void its tickets, queue its refunds."""
        result = cancellation.cancel_event_sales(caller=Caller.from_context(context), event_id=request.event_id)
        return message_from(tickets_pb2.CancelEventSalesResponse, result)

    def UpdateEventStart(self, request, context):
        """The event's new start, which ends the sales of its types that have no sales_end."""
        updated = ticket_types.update_event_start(
            caller=Caller.from_context(context),
            event_id=request.event_id,
            starts_at=optional_datetime(request, "starts_at"),
            version=request.version,
        )
        return tickets_pb2.UpdateEventStartResponse(ticket_types_updated=updated)

    def CreateVouchers(self, request, context):
        """One voucher with the given code, or `count` with random codes."""
        created = vouchers.create_vouchers(
            caller=Caller.from_context(context),
            event_id=request.event_id,
            code=request.code,
            count=request.count,
            discount_kind=request.discount_kind,
            discount_value=request.discount_value,
            ticket_type_ids=list(request.ticket_type_ids),
            max_uses=request.max_uses or 1,
            valid_from=optional_datetime(request, "valid_from"),
            valid_until=optional_datetime(request, "valid_until"),
            unlocks_hidden=request.unlocks_hidden,
        )
        return tickets_pb2.ListVouchersResponse(vouchers=[voucher_to_proto(v) for v in created])

    def ListVouchers(self, request, context):
        """An event's vouchers, newest first, with their uses."""
        page = selectors.list_vouchers(caller=Caller.from_context(context), **message_fields(request))
        return page_message(tickets_pb2.ListVouchersResponse, page, voucher_to_proto)

    def DeactivateVoucher(self, request, context):
        """The voucher discounts no more seats."""
        voucher = vouchers.deactivate_voucher(
            caller=Caller.from_context(context), event_id=request.event_id, voucher_id=request.voucher_id
        )
        return voucher_to_proto(voucher)

    def ListEventBuyers(self, request, context):
        """Who paid for the event, one entry per email, for notifications."""
        buyers, next_token = selectors.list_event_buyers(
            event_id=request.event_id, page_size=request.page_size, page_token=request.page_token
        )
        return tickets_pb2.ListEventBuyersResponse(
            buyers=[message_from(tickets_pb2.Buyer, b) for b in buyers],
            next_page_token=next_token,
        )

    # --- the organizer's desk ---

    def ListEventOrders(self, request, context):
        """Every order of the event, newest first, filtered (its organizer or staff)."""
        page = selectors.list_event_orders(caller=Caller.from_context(context), **message_fields(request))
        return page_message(tickets_pb2.ListOrdersResponse, page, order_to_proto)

    def GetEventOrder(self, request, context):
        """One order of the event (its organizer or staff)."""
        order = selectors.get_event_order(
            caller=Caller.from_context(context), event_id=request.event_id, order_id=request.order_id
        )
        return order_to_proto(order)

    def ListEventAttendees(self, request, context):
        """A page of the event's valid and checked-in tickets, by ascending id (its organizer or staff)."""
        page = selectors.list_event_attendees(caller=Caller.from_context(context), **message_fields(request))
        return page_message(tickets_pb2.ListEventAttendeesResponse, page, attendee_to_proto)

    def RefundOrder(self, request, context):
        """Refund a paid order of the event, in full or some of its tickets (its organizer)."""
        order = refunds.refund_order(
            caller=Caller.from_context(context),
            event_id=request.event_id,
            order_id=request.order_id,
            ticket_ids=list(request.ticket_ids),
        )
        return order_to_proto(order)

    def ResendConfirmation(self, request, context):
        """Email a paid order's confirmation again."""
        order = confirmations.resend_confirmation(
            caller=Caller.from_context(context), order_id=request.order_id, event_id=request.event_id
        )
        return order_to_proto(order)

    # --- waiting lists ---

    def JoinWaitingList(self, request, context):
        """Put the calling customer on a sold-out type's waiting list."""
        view, created = waiting_list.join_waiting_list(
            caller=Caller.from_context(context),
            event_id=request.event_id,
            ticket_type_id=request.ticket_type_id,
            quantity=request.quantity,
            email=request.email,
            full_name=request.full_name,
        )
        return tickets_pb2.JoinWaitingListResponse(entry=waiting_entry_to_proto(view), created=created)

    def GetWaitingListEntry(self, request, context):
        """The caller's entry with its position."""
        view = waiting_list.get_waiting_entry(
            caller=Caller.from_context(context), event_id=request.event_id, ticket_type_id=request.ticket_type_id
        )
        return waiting_entry_to_proto(view)

    def LeaveWaitingList(self, request, context):
        """The caller leaves the list."""
        waiting_list.leave_waiting_list(
            caller=Caller.from_context(context), event_id=request.event_id, ticket_type_id=request.ticket_type_id
        )
        return tickets_pb2.LeaveWaitingListResponse()

    def ClearWaitingList(self, request, context):
        """End every waiting entry (the event's organizer)."""
        cleared = waiting_list.clear_waiting_list(
            caller=Caller.from_context(context), event_id=request.event_id, ticket_type_id=request.ticket_type_id
        )
        return tickets_pb2.ClearWaitingListResponse(cleared=cleared)


def grpc_handlers(server) -> None:
    tickets_pb2_grpc.add_TicketServiceServicer_to_server(TicketServicer.as_servicer(), server)
