"""Events API: validate, call the events service over gRPC, shape the JSON.
An event's ticket types and sales come from the tickets service."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response

from gateway_project.accounts.throttles import (
    ConfirmationResendThrottle,
    VoucherAccountThrottle,
    VoucherAddressThrottle,
)
from gateway_project.api import clients
from gateway_project.api.openapi import bad_request, error, path_id
from gateway_project.api.pagination import PageQuerySerializer, page_query
from gateway_project.api.permissions import EVENT_DESK, EVENT_OWNER, ActsForEvent, IsOrganizer
from gateway_project.api.views import EditFormView, ServiceView
from gateway_project.events_api.serializers import (
    CapacityConflictSerializer,
    EventDetailSerializer,
    EventListQuerySerializer,
    EventPageSerializer,
    EventSerializer,
    EventWriteSerializer,
    SalesSerializer,
    StaffInviteSerializer,
    StaffListSerializer,
    StaffMemberSerializer,
    TicketTypeChangeSerializer,
    TicketTypeListSerializer,
    TicketTypeQuerySerializer,
    TicketTypeSerializer,
    TicketTypeWriteSerializer,
    VoucherListSerializer,
    VoucherPageSerializer,
    VoucherSerializer,
    VoucherWriteSerializer,
    WaitingListClearedSerializer,
    WaitingListEntrySerializer,
    WaitingListJoinSerializer,
    WaitingListQuerySerializer,
)
from gateway_project.ticketing_api.serializers import EventOrderSerializer, RefundSerializer, TicketsCheckedInSerializer
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2

EVENT_ID = path_id("event_id", "event")
VOUCHER_ID = path_id("voucher_id", "voucher")
STAFF_ID = path_id("staff_id", "staff member")
ORDER_ID = path_id("order_id", "order")
NO_EVENT_ORDER = error("not_found", description="No such event, or no such order of the event.")
RESEND_THROTTLED = error(
    "throttled",
    description="The caller had the order's confirmation sent again too often lately; see the `Retry-After` header.",
)
TICKET_TYPE_ID = path_id("ticket_type_id", "ticket type")
NOT_ORGANIZER = error("permission_denied", description="The caller is not an organizer.")
NOT_OWNER = error("permission_denied", description="The caller is not an organizer, or not this event's organizer.")
NO_EVENT = error("not_found", description="No such event.")
NO_TICKET_TYPE = error("not_found", description="No such event, or no such ticket type of it.")
CANCELLED = error("event_cancelled", description="The event is cancelled and can no longer be changed.")
LIST_DESCRIPTION = (
    "Keyset pagination: follow `next` (null on the last page) and `previous` (null on the first); `cursor` "
    "and `trail` are opaque. "
    "`q` matches the name and the description, ignoring case."
)


def _event_page(request, organizer_id: int = 0, staffed: bool = False) -> Response:
    query = EventListQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    listing = query.list_request(organizer_id, staffed)
    page = clients.events().ListEvents(listing, caller=clients.caller_for(request))
    return Response(EventPageSerializer(page, context={"request": request}).data)


class EventListView(ServiceView):
    """GET: published upcoming events, soonest first (public). POST: create an event (organizers)."""

    services = ("events",)
    query_serializer_class = EventListQuerySerializer  # its GET's (the browsable API's filter form)
    serializer_class = EventWriteSerializer

    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [IsOrganizer()]

    @extend_schema(
        operation_id="events_list",
        summary="List published upcoming events",
        description=f"Published events that have not started, soonest first. Public. {LIST_DESCRIPTION}",
        parameters=[EventListQuerySerializer],
        responses={200: EventPageSerializer, 400: bad_request("E.g. `cursor` is not valid.")},
    )
    def get(self, request):
        return _event_page(request)

    @extend_schema(
        summary="Create an event",
        description="Publish an event owned by the calling organizer. It must start in the future and end after it "
        "starts; `timezone` is an IANA name (default UTC).",
        request=EventWriteSerializer,
        responses={201: EventSerializer, 400: bad_request(), 403: NOT_ORGANIZER},
    )
    def post(self, request):
        serializer = EventWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = clients.events().CreateEvent(
            events_pb2.CreateEventRequest(**serializer.proto_fields()),
            caller=clients.caller_for(request),
        )
        return Response(EventSerializer(event, context={"request": request}).data, status=status.HTTP_201_CREATED)


class MyEventListView(ServiceView):
    """The calling organizer's own events, any status."""

    services = ("events",)
    query_serializer_class = EventListQuerySerializer  # its GET's (the browsable API's filter form)
    permission_classes = [IsOrganizer]

    @extend_schema(
        operation_id="events_mine_list",
        summary="List my events",
        description=f"The calling organizer's events, any status, soonest first. {LIST_DESCRIPTION}",
        parameters=[EventListQuerySerializer],
        responses={200: EventPageSerializer, 400: bad_request("E.g. `cursor` is not valid."), 403: NOT_ORGANIZER},
    )
    def get(self, request):
        return _event_page(request, organizer_id=request.user.id)


class StaffedEventListView(ServiceView):
    """The events the caller is door staff of (a manager or a scanner), any status."""

    services = ("events",)
    query_serializer_class = EventListQuerySerializer  # its GET's (the browsable API's filter form)
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="events_staffed_list",
        summary="List the events I am staff of",
        description="The events the caller's account (by its email) is a manager or a scanner of, any status, "
        f"soonest first. Any signed-in user. {LIST_DESCRIPTION}",
        parameters=[EventListQuerySerializer],
        responses={200: EventPageSerializer, 400: bad_request("E.g. `cursor` is not valid.")},
    )
    def get(self, request):
        return _event_page(request, staffed=True)


class EventDetailView(EditFormView):
    """GET: one event (public). PATCH: change it, DELETE: cancel it (its organizer)."""

    # Reading an event lists its ticket types; a new start and cancelling reach the tickets service too.
    services = ("events", "tickets")
    serializer_class = EventWriteSerializer
    form_roles = {"PATCH": EVENT_DESK, "DELETE": EVENT_OWNER}  # the browsable API's forms, by role

    def form_values(self, instance) -> dict:
        # A GET renders the event with its ticket types, a PATCH the event.
        event = instance[0] if isinstance(instance, tuple) else instance
        return EventWriteSerializer.values_of(event)

    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [ActsForEvent()]

    @extend_schema(
        summary="Get an event",
        description="One event, any status (a cancelled event stays readable), with its ticket types. Public.",
        parameters=[EVENT_ID],
        responses={200: EventDetailSerializer, 404: NO_EVENT},
    )
    def get(self, request, event_id: int):
        caller = clients.caller_for(request)
        event = clients.events().GetEvent(events_pb2.GetEventRequest(id=event_id), caller=caller)
        types = _ticket_types(event.id, caller).ticket_types
        return Response(EventDetailSerializer((event, types), context={"request": request}).data)

    @extend_schema(
        summary="Change an event",
        description="Change some of the event's fields (its organizer). Ticket holders are told about changes of "
        "name, time and place.",
        parameters=[EVENT_ID],
        request=EventWriteSerializer,
        responses={200: EventSerializer, 400: bad_request(), 403: NOT_OWNER, 404: NO_EVENT, 409: CANCELLED},
    )
    def patch(self, request, event_id: int):
        caller = clients.caller_for(request)

        def event_timezone() -> str:  # asked only for a time without an offset and no new timezone
            return clients.events().GetEvent(events_pb2.GetEventRequest(id=event_id), caller=caller).timezone

        serializer = EventWriteSerializer(data=request.data, partial=True, context={"event_timezone": event_timezone})
        serializer.is_valid(raise_exception=True)
        event = clients.events().UpdateEvent(
            events_pb2.UpdateEventRequest(id=event_id, **serializer.proto_fields()),
            caller=caller,
        )
        return Response(EventSerializer(event, context={"request": request}).data)

    @extend_schema(
        summary="Cancel an event",
        description="Cancel the event (its organizer): sales close, holds are released, tickets become void and "
        "paid orders are refunded in the background. The event stays readable as `cancelled`; cancelling it again "
        "changes nothing.",
        parameters=[EVENT_ID],
        responses={204: OpenApiResponse(description="Cancelled."), 403: NOT_OWNER, 404: NO_EVENT},
    )
    def delete(self, request, event_id: int):
        clients.events().CancelEvent(events_pb2.CancelEventRequest(id=event_id), caller=clients.caller_for(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _ticket_types(event_id: int, caller, voucher: str = "") -> tickets_pb2.ListTicketTypesResponse:
    request = tickets_pb2.ListTicketTypesRequest(event_id=event_id, voucher=voucher)
    return clients.tickets().ListTicketTypes(request, caller=caller)


class TicketTypeListView(ServiceView):
    """GET: the event's ticket types with live availability (public).
    POST: add a ticket type (the event's organizer; the tickets service checks ownership)."""

    services = ("events", "tickets")
    serializer_class = TicketTypeWriteSerializer
    form_roles = {"POST": EVENT_DESK}

    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [ActsForEvent()]

    def get_throttles(self):
        # A code unlocking hidden types would be guessed by listing them: throttled as reserving with one is.
        if self.request.method == "GET":
            return [VoucherAddressThrottle(), VoucherAccountThrottle()]
        return super().get_throttles()

    @extend_schema(
        operation_id="events_ticket_types_list",
        summary="List an event's ticket types",
        description="The event's ticket types with live availability. Public. The hidden ones are listed to the "
        "event's organizer, and those a `voucher` code unlocks to whoever gives it (throttled per user and "
        "client address as reservations with a voucher are).",
        parameters=[EVENT_ID, TicketTypeQuerySerializer],
        responses={
            200: TicketTypeListSerializer,
            400: bad_request(),
            404: error("not_found", "invalid_voucher", description="No such event, or no such voucher code in it."),
            429: error("throttled", description="Too many voucher codes tried lately; see `Retry-After`."),
        },
    )
    def get(self, request, event_id: int):
        query = TicketTypeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        caller = clients.caller_for(request)
        # An unknown event is a 404, not an empty list.
        clients.events().GetEvent(events_pb2.GetEventRequest(id=event_id), caller=caller)
        types = _ticket_types(event_id, caller, query.validated_data.get("voucher", ""))
        return Response(TicketTypeListSerializer(types, context={"request": request}).data)

    @extend_schema(
        summary="Add a ticket type",
        description="Add a ticket type to the event (its organizer). `price` is a string or a number with at most "
        "2 decimals; `currency` defaults to USD, `max_per_order` to 10. It is on sale from `sales_start` (default "
        "now) until `sales_end` (default: the event's start, moving with it).",
        parameters=[EVENT_ID],
        request=TicketTypeWriteSerializer,
        responses={201: TicketTypeSerializer, 400: bad_request(), 403: NOT_OWNER, 404: NO_EVENT, 409: CANCELLED},
    )
    def post(self, request, event_id: int):
        serializer = TicketTypeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_type = clients.tickets().CreateTicketType(
            serializer.create_request(event_id), caller=clients.caller_for(request)
        )
        return Response(
            TicketTypeSerializer(ticket_type, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class TicketTypeDetailView(EditFormView):
    """GET: one ticket type of the event (public; a hidden one for its organizer only). PATCH: change it,
    DELETE: delete it if nothing of it was ever sold or held (the event's organizer, or staff)."""

    # The tickets service asks the events service whose event it is.
    services = ("tickets", "events")
    serializer_class = TicketTypeChangeSerializer
    form_roles = {"PATCH": EVENT_DESK, "DELETE": EVENT_DESK}

    def form_values(self, instance) -> dict:
        return TicketTypeChangeSerializer.values_of(instance)

    def get_permissions(self):
        return [permissions.AllowAny()] if self.request.method == "GET" else [ActsForEvent()]

    @extend_schema(
        operation_id="events_ticket_types_retrieve",
        summary="Get a ticket type",
        description="One ticket type of the event with live availability. Public; a hidden one only for the "
        "event's organizer (anyone else gets a 404, as for an unknown type).",
        parameters=[EVENT_ID, TICKET_TYPE_ID],
        responses={200: TicketTypeSerializer, 404: NO_TICKET_TYPE},
    )
    def get(self, request, event_id: int, ticket_type_id: int):
        ticket_type = clients.tickets().GetTicketType(
            tickets_pb2.GetTicketTypeRequest(event_id=event_id, ticket_type_id=ticket_type_id),
            caller=clients.caller_for(request),
        )
        return Response(TicketTypeSerializer(ticket_type, context={"request": request}).data)

    @extend_schema(
        summary="Change a ticket type",
        description="Change some of the type's fields (the event's organizer), by the rules of creation; those "
        "absent keep their value. A new `price` applies to new orders only (order lines keep their `unit_price`). "
        "`capacity` never goes below the seats sold and held: a 409 `capacity_below_sold` gives `sold` and "
        "`held` (seats of lapsed holds are released first). `sales_end` null: sales end when the event starts "
        "again; a time in the past closes sales now. `currency` and `max_per_customer` cannot be changed "
        "(a 400 naming them).",
        parameters=[EVENT_ID, TICKET_TYPE_ID],
        request=TicketTypeChangeSerializer,
        responses={
            200: TicketTypeSerializer,
            400: bad_request(),
            403: NOT_OWNER,
            404: NO_TICKET_TYPE,
            409: error(
                "capacity_below_sold",
                "event_cancelled",
                description="Nothing is changed. `capacity_below_sold` gives `sold` and `held`.",
                serializer=CapacityConflictSerializer,
            ),
        },
    )
    def patch(self, request, event_id: int, ticket_type_id: int):
        serializer = TicketTypeChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket_type = clients.tickets().UpdateTicketType(
            serializer.update_request(event_id, ticket_type_id), caller=clients.caller_for(request)
        )
        return Response(TicketTypeSerializer(ticket_type, context={"request": request}).data)

    @extend_schema(
        summary="Delete a ticket type",
        description="Delete a ticket type no seat of which was ever sold or held, not even by an order since "
        "cancelled or expired (the event's organizer); else a 409 `ticket_type_in_use`. To stop selling a type "
        "that has orders, PATCH its `sales_end`.",
        parameters=[EVENT_ID, TICKET_TYPE_ID],
        responses={
            204: OpenApiResponse(description="Deleted."),
            403: NOT_OWNER,
            404: NO_TICKET_TYPE,
            409: error("ticket_type_in_use", "event_cancelled", description="Nothing is deleted."),
        },
    )
    def delete(self, request, event_id: int, ticket_type_id: int):
        clients.tickets().DeleteTicketType(
            tickets_pb2.DeleteTicketTypeRequest(event_id=event_id, ticket_type_id=ticket_type_id),
            caller=clients.caller_for(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class EventSalesView(ServiceView):
    """Sold, held, available and revenue per ticket type, and tickets checked in (the event's organizer)."""

    services = ("events", "tickets")
    permission_classes = [ActsForEvent]

    @extend_schema(
        summary="An event's sales",
        description="Per ticket type: capacity, sold, held, available and revenue; and tickets checked in "
        "(the event's organizer).",
        parameters=[EVENT_ID],
        responses={200: SalesSerializer, 403: NOT_OWNER, 404: NO_EVENT},
    )
    def get(self, request, event_id: int):
        report = clients.tickets().GetSales(
            tickets_pb2.GetSalesRequest(event_id=event_id), caller=clients.caller_for(request)
        )
        return Response(SalesSerializer(report).data)


class EventVouchersView(ServiceView):
    """GET: the event's vouchers with their uses. POST: create vouchers (the event's organizer)."""

    services = ("tickets", "events")
    query_serializer_class = PageQuerySerializer  # its GET's (the browsable API's filter form)
    permission_classes = [ActsForEvent]
    serializer_class = VoucherWriteSerializer
    form_roles = {"POST": EVENT_DESK}

    @extend_schema(
        operation_id="events_vouchers_list",
        summary="List an event's vouchers",
        description="The event's vouchers, newest first, with the seats each has discounted (its organizer).",
        parameters=[EVENT_ID, PageQuerySerializer],
        responses={
            200: VoucherPageSerializer,
            400: bad_request("E.g. `cursor` is not valid."),
            403: NOT_OWNER,
            404: NO_EVENT,
        },
    )
    def get(self, request, event_id: int):
        request_message = tickets_pb2.ListVouchersRequest(event_id=event_id, **page_query(request))
        page = clients.tickets().ListVouchers(request_message, caller=clients.caller_for(request))
        return Response(VoucherPageSerializer(page, context={"request": request}).data)

    @extend_schema(
        summary="Create vouchers",
        description="One voucher with `code`, or `count` vouchers with random, unguessable codes (its organizer). "
        "`discount_kind` is `percent` (off each seat), `amount` (off each seat) or `price` (each seat's price); "
        "`max_uses` is the number of seats it may discount in all.",
        parameters=[EVENT_ID],
        request=VoucherWriteSerializer,
        responses={201: VoucherListSerializer, 400: bad_request(), 403: NOT_OWNER, 404: NO_EVENT},
    )
    def post(self, request, event_id: int):
        serializer = VoucherWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = clients.tickets().CreateVouchers(
            serializer.create_request(event_id), caller=clients.caller_for(request)
        )
        return Response(
            VoucherListSerializer(created, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class VoucherDeactivateView(ServiceView):
    """POST: the voucher discounts no more seats (the event's organizer)."""

    services = ("tickets", "events")
    permission_classes = [ActsForEvent]
    form_roles = {"POST": EVENT_DESK}

    @extend_schema(
        summary="Deactivate a voucher",
        description="The voucher discounts no more seats; those it discounted keep their price. Idempotent.",
        parameters=[EVENT_ID, VOUCHER_ID],
        request=None,
        responses={200: VoucherSerializer, 403: NOT_OWNER, 404: error("not_found", description="No such voucher.")},
    )
    def post(self, request, event_id: int, voucher_id: int):
        voucher = clients.tickets().DeactivateVoucher(
            tickets_pb2.DeactivateVoucherRequest(event_id=event_id, voucher_id=voucher_id),
            caller=clients.caller_for(request),
        )
        return Response(VoucherSerializer(voucher, context={"request": request}).data)


class EventOrderRefundView(ServiceView):
    """POST: refund a paid order of the event, in full or some of its tickets (the event's organizer)."""

    services = ("tickets", "events", "payments")
    permission_classes = [ActsForEvent]
    serializer_class = RefundSerializer
    form_roles = {"POST": EVENT_DESK}

    @extend_schema(
        summary="Refund an order",
        description="Refund a paid order of the event (its organizer, or staff): `{}` the whole order, or "
        '`{"tickets": [ids]}` those of its tickets. Their tickets void, their seats back on sale, the amount '
        "refunded on the buyer's card exactly once however often the request is sent, and the buyer emailed it. "
        "A ticket's seat refunds its line's `total` / `quantity`, to the cent (a line's last seat what is left, "
        "so a whole line refunds its `total`); the rest of the order stays paid and valid. Refunding a refunded "
        "order returns it as it is.",
        parameters=[EVENT_ID, ORDER_ID],
        request=RefundSerializer,
        responses={
            200: EventOrderSerializer,
            400: bad_request("`tickets`: a ticket that is not one of the order's, or is refunded already."),
            403: NOT_OWNER,
            404: NO_EVENT_ORDER,
            409: error(
                "order_not_refundable",
                "ticket_checked_in",
                description="`order_not_refundable`: the order is not paid (reserved, cancelled, expired, or "
                "refunded with the event's cancellation). `ticket_checked_in`: a ticket to refund was checked in "
                "(`ticket_ids`); nothing is refunded.",
                serializer=TicketsCheckedInSerializer,
            ),
        },
    )
    def post(self, request, event_id: int, order_id: int):
        serializer = RefundSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = clients.tickets().RefundOrder(
            serializer.refund_request(event_id, order_id), caller=clients.caller_for(request)
        )
        return Response(EventOrderSerializer(order, context={"request": request}).data)


class EventOrderResendView(ServiceView):
    """POST: email the buyer of a paid order of the event its confirmation again (the event's organizer)."""

    services = ("tickets", "events")
    permission_classes = [ActsForEvent]
    form_roles = {"POST": EVENT_DESK}
    throttle_classes = [ConfirmationResendThrottle]

    @extend_schema(
        summary="Resend an order's confirmation",
        description="Email the buyer of a paid order of the event its confirmation again, with its tickets still "
        "valid (its organizer, or staff): a new email each time, at most `RESEND_THROTTLE_RATE` per order and "
        "caller.",
        parameters=[EVENT_ID, ORDER_ID],
        request=None,
        responses={
            200: EventOrderSerializer,
            403: NOT_OWNER,
            404: NO_EVENT_ORDER,
            409: error("order_not_paid", description="Only a paid order has a confirmation."),
            429: RESEND_THROTTLED,
        },
    )
    def post(self, request, event_id: int, order_id: int):
        order = clients.tickets().ResendConfirmation(
            tickets_pb2.ResendConfirmationRequest(order_id=order_id, event_id=event_id),
            caller=clients.caller_for(request),
        )
        return Response(EventOrderSerializer(order, context={"request": request}).data)


ORGANIZER_ONLY = error(
    "permission_denied", description="The caller is not this event's organizer (its managers may not manage staff)."
)


class EventStaffView(ServiceView):
    """GET: the event's door staff. POST: give an email a role on the event (its organizer)."""

    services = ("events",)
    permission_classes = [ActsForEvent]
    serializer_class = StaffInviteSerializer
    form_roles = {"POST": EVENT_OWNER}

    @extend_schema(
        operation_id="events_staff_list",
        summary="List an event's staff",
        description="The managers and scanners of the event, in order of invitation (its organizer, or staff).",
        parameters=[EVENT_ID],
        responses={200: StaffListSerializer, 403: ORGANIZER_ONLY, 404: NO_EVENT},
    )
    def get(self, request, event_id: int):
        members = clients.events().ListEventStaff(
            events_pb2.ListEventStaffRequest(event_id=event_id), caller=clients.caller_for(request)
        )
        return Response(StaffListSerializer(members, context={"request": request}).data)

    @extend_schema(
        summary="Invite staff to an event",
        description="Give the account of `email` a role on the event (its organizer, or staff). The account may "
        "be registered later: the role is the address's. Inviting an address again changes its role.",
        parameters=[EVENT_ID],
        request=StaffInviteSerializer,
        responses={
            201: StaffMemberSerializer,
            400: bad_request(),
            403: ORGANIZER_ONLY,
            404: NO_EVENT,
            409: CANCELLED,
        },
    )
    def post(self, request, event_id: int):
        serializer = StaffInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = clients.events().InviteEventStaff(
            serializer.invite_request(event_id), caller=clients.caller_for(request)
        )
        return Response(
            StaffMemberSerializer(member, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class EventStaffMemberView(ServiceView):
    """DELETE: take a staff member's role on the event away (its organizer)."""

    services = ("events",)
    permission_classes = [ActsForEvent]
    form_roles = {"DELETE": EVENT_OWNER}

    @extend_schema(
        summary="Remove staff from an event",
        description="The member no longer acts for the event (its organizer, or staff).",
        parameters=[EVENT_ID, STAFF_ID],
        responses={
            204: OpenApiResponse(description="Removed."),
            403: ORGANIZER_ONLY,
            404: error("not_found", description="No such event, or no such member of its staff."),
        },
    )
    def delete(self, request, event_id: int, staff_id: int):
        clients.events().RemoveEventStaff(
            events_pb2.RemoveEventStaffRequest(event_id=event_id, id=staff_id), caller=clients.caller_for(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class WaitingListView(ServiceView):
    """POST: join a sold-out ticket type's waiting list; GET: the caller's entry; DELETE: leave it
    (customers), or with `?all=1` clear it (the event's organizer)."""

    services = ("tickets", "events")
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = WaitingListJoinSerializer

    @extend_schema(
        operation_id="events_waiting_list_join",
        summary="Join a waiting list",
        description="Wait for `quantity` seats (at most the type's `max_per_order` and its capacity) of a ticket "
        "type that is sold out (no seat for sale), or whose waiting list has entries (customers). Freed seats go "
        "to the list in order of joining, strictly: each entry is offered all its seats at once, and a later, "
        "smaller entry never overtakes an earlier one that does not fit yet. An offer is a reserved order "
        "(`order_id`) holding the seats for `WAITING_LIST_OFFER_SECONDS`, emailed; pay it as any order before "
        "`offer_expires_at`, or the seats go to the next entry (an entry is offered once). One entry per customer "
        "and type: joining again answers it (200).",
        parameters=[EVENT_ID, TICKET_TYPE_ID],
        request=WaitingListJoinSerializer,
        responses={
            201: OpenApiResponse(WaitingListEntrySerializer, description="Joined: a new entry."),
            200: OpenApiResponse(WaitingListEntrySerializer, description="The caller's entry, already there."),
            400: bad_request("E.g. `quantity` above the type's `max_per_order`."),
            403: error("permission_denied", description="Only customers wait for seats."),
            404: NO_TICKET_TYPE,
            409: error(
                "tickets_available",
                "customer_limit_reached",
                "event_cancelled",
                "sales_not_started",
                "sales_ended",
                "event_started",
                description="`tickets_available`: the type has seats for sale and nobody waits: reserve them "
                "(`available` says how many).",
            ),
        },
    )
    def post(self, request, event_id: int, ticket_type_id: int):
        serializer = WaitingListJoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        joined = clients.tickets().JoinWaitingList(
            serializer.join_request(request.user, event_id, ticket_type_id), caller=clients.caller_for(request)
        )
        answer = status.HTTP_201_CREATED if joined.created else status.HTTP_200_OK
        return Response(WaitingListEntrySerializer(joined.entry).data, status=answer)

    @extend_schema(
        operation_id="events_waiting_list_retrieve",
        summary="My waiting-list entry",
        description="The caller's entry on the type's waiting list (the live one, else the latest) with its "
        "`position` and, once offered, its order.",
        parameters=[EVENT_ID, TICKET_TYPE_ID],
        responses={
            200: WaitingListEntrySerializer,
            404: error("not_on_waiting_list", description="The caller has no entry on this list."),
        },
    )
    def get(self, request, event_id: int, ticket_type_id: int):
        entry = clients.tickets().GetWaitingListEntry(
            tickets_pb2.GetWaitingListEntryRequest(event_id=event_id, ticket_type_id=ticket_type_id),
            caller=clients.caller_for(request),
        )
        return Response(WaitingListEntrySerializer(entry).data)

    @extend_schema(
        operation_id="events_waiting_list_leave",
        summary="Leave (or clear) a waiting list",
        description="Leave the type's waiting list (an offer made is given up: its order cancelled, its seats "
        "offered to the next entry): 204. With `?all=1`, the event's organizer (or staff) clears the list: every "
        "waiting entry ends and the open sale resumes; offers made stand: 200 with how many were cleared.",
        parameters=[EVENT_ID, TICKET_TYPE_ID, WaitingListQuerySerializer],
        responses={
            204: OpenApiResponse(description="Left."),
            200: OpenApiResponse(WaitingListClearedSerializer, description="Cleared (`?all=1`)."),
            400: bad_request("`all` is not a boolean."),
            403: NOT_OWNER,
            404: error(
                "not_on_waiting_list", "not_found", description="No entry of the caller; or no such ticket type."
            ),
        },
    )
    def delete(self, request, event_id: int, ticket_type_id: int):
        query = WaitingListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        caller = clients.caller_for(request)
        if query.validated_data["all"]:
            cleared = clients.tickets().ClearWaitingList(
                tickets_pb2.ClearWaitingListRequest(event_id=event_id, ticket_type_id=ticket_type_id), caller=caller
            )
            return Response(WaitingListClearedSerializer(cleared).data)
        clients.tickets().LeaveWaitingList(
            tickets_pb2.LeaveWaitingListRequest(event_id=event_id, ticket_type_id=ticket_type_id), caller=caller
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
