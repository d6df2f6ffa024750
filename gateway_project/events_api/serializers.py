"""Shapes of the events API: what a request may carry and how an event looks in JSON.
Business rules (dates in order, start in the future) are the events service's to check."""

import re
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone as django_timezone
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from gateway_project.api.links import LinkField
from gateway_project.api.openapi import (
    MAX_ID,
    MAX_VOUCHER_CODE_LENGTH,
    AmountField,
    ErrorSerializer,
    ResponseSerializer,
)
from gateway_project.api.pagination import NextPageField, PageQuerySerializer, PreviousPageField
from gateway_project.api.protos import (
    EVENT_ROLE,
    EVENT_STATUS,
    WAITING_LIST_STATUS,
    EnumField,
    OptionalIdField,
    OptionalLimitField,
    TimestampField,
)
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.timestamps import from_timestamp, to_timestamp


class EventFieldsSerializer(ResponseSerializer):
    """An event's own fields, without links (the back office shows them)."""  # renders an events_pb2.Event

    id = serializers.IntegerField()
    organizer_id = serializers.IntegerField(help_text="The id of the organizer (a user) who owns the event.")
    name = serializers.CharField()
    description = serializers.CharField()
    venue = serializers.CharField()
    timezone = serializers.CharField(help_text="IANA time zone of the venue, e.g. Europe/Paris.")
    starts_at = TimestampField()
    ends_at = TimestampField()
    status = EnumField(EVENT_STATUS)
    created_at = TimestampField()
    updated_at = TimestampField()


DESK_LINK = "Its organizer's and staff's (anyone else is refused): "


class EventSerializer(EventFieldsSerializer):
    """An event, with links to its routes: `url`, its ticket types; and, answering only its organizer
    and staff, its sales, orders, vouchers and staff."""  # renders an events_pb2.Event (context: the request)

    url = LinkField("event-detail", event_id="id")
    ticket_types_url = LinkField("event-ticket-types", "Its ticket types.", event_id="id")
    sales_url = LinkField("event-sales", DESK_LINK + "its sales report.", event_id="id")
    orders_url = LinkField("event-orders", DESK_LINK + "its orders.", event_id="id")
    vouchers_url = LinkField("event-vouchers", DESK_LINK + "its vouchers.", event_id="id")
    staff_url = LinkField("event-staff", DESK_LINK + "its door staff.", event_id="id")


class EventPageSerializer(ResponseSerializer):
    """A page of events."""  # renders an events_pb2.ListEventsResponse (context: the request)

    results = EventSerializer(many=True, source="events")
    next = NextPageField()
    previous = PreviousPageField()


class EventTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time; without an offset ("2027-05-01T19:00"), a wall-clock time in the
    event's `timezone`, as the organizer reads it on the poster."""

    def enforce_timezone(self, value):
        return value if django_timezone.is_naive(value) else super().enforce_timezone(value)


EVENT_TIME_HELP = "ISO 8601; without an offset, a time in the event's `timezone`."


class EventWriteSerializer(serializers.Serializer):
    """An event's fields as an organizer writes them. Naive times are placed in the event's time zone:
    the `timezone` given, else the event's own (context `event_timezone`: a callable asked only then)."""

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, default="", max_length=10_000)
    venue = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)
    timezone = serializers.CharField(
        required=False, default="UTC", max_length=64, help_text="An IANA time zone name, e.g. Europe/Paris."
    )
    starts_at = EventTimeField(help_text=EVENT_TIME_HELP)
    ends_at = EventTimeField(help_text=EVENT_TIME_HELP)

    def validate(self, data: dict) -> dict:
        naive = [name for name in ("starts_at", "ends_at") if name in data and django_timezone.is_naive(data[name])]
        if not naive:
            return data
        event_timezone: Callable[[], str] | None = self.context.get("event_timezone")
        name = data.get("timezone") or (event_timezone() if event_timezone else "UTC")
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise serializers.ValidationError({"timezone": [f"Unknown time zone: {name!r}."]}) from None
        return {**data, **{field: data[field].replace(tzinfo=zone) for field in naive}}

    @staticmethod
    def values_of(event: events_pb2.Event) -> dict:
        """The event's fields as this serializer reads them (a form to change it starts with them): its
        times as wall-clock times in its time zone, as a time without an offset is read."""
        zone = ZoneInfo(event.timezone or "UTC")
        times = {name: from_timestamp(getattr(event, name)).astimezone(zone) for name in ("starts_at", "ends_at")}
        return {
            **{name: getattr(event, name) for name in ("name", "description", "venue", "timezone")},
            **{name: moment.replace(tzinfo=None) for name, moment in times.items()},
        }

    def proto_fields(self) -> dict:
        """The validated data as keyword arguments of a proto request."""
        return {
            key: to_timestamp(value) if key in ("starts_at", "ends_at") else value
            for key, value in self.validated_data.items()
        }


class EventListQuerySerializer(PageQuerySerializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="", help_text="Text in the name or description."
    )
    starts_after = serializers.DateTimeField(required=False, help_text="Only events starting at or after this.")
    starts_before = serializers.DateTimeField(required=False, help_text="Only events starting before this.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=100, default=20, help_text="Events per page."
    )

    def list_request(self, organizer_id: int = 0, staffed: bool = False) -> events_pb2.ListEventsRequest:
        data = self.validated_data
        return events_pb2.ListEventsRequest(
            staffed=staffed,
            query=data["q"],
            starts_after=to_timestamp(data.get("starts_after")),
            starts_before=to_timestamp(data.get("starts_before")),
            organizer_id=organizer_id,
            page_size=data["page_size"],
            page_token=data["cursor"],
        )


# --- ticket types of an event (the tickets service's inventory) ---------------------------------

_CURRENCY = re.compile(r"\A[A-Za-z]{3}\Z")


class TicketTypeSerializer(ResponseSerializer):
    """A ticket type; `available` is live (capacity - sold - held)."""  # a tickets_pb2.TicketType (context: request)

    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    name = serializers.CharField()
    price = AmountField()
    currency = serializers.CharField(help_text="ISO 4217 code, upper case.")
    capacity = serializers.IntegerField()
    available = serializers.IntegerField()
    max_per_order = serializers.IntegerField()
    max_per_customer = OptionalLimitField(
        allow_null=True, help_text="Seats one customer may hold and buy over all their orders; null: no limit."
    )
    sales_start = TimestampField(help_text="When reservations open.")
    sales_end = TimestampField(
        allow_null=True,
        help_text="When reservations close: the type's own end, else the event's start (which moves with it).",
    )
    hidden = serializers.BooleanField(help_text="Listed to the event's organizer only; sold only with a voucher.")
    url = LinkField("event-ticket-type", event_id="event_id", ticket_type_id="id")
    event_url = LinkField("event-detail", "Its event.", event_id="event_id")


class TicketTypeQuerySerializer(serializers.Serializer):
    """The query of an event's ticket types."""

    voucher = serializers.CharField(
        max_length=MAX_VOUCHER_CODE_LENGTH,
        required=False,
        allow_blank=True,
        help_text="A voucher code: the hidden types it unlocks too.",
    )


class TicketTypeListSerializer(ResponseSerializer):
    """An event's ticket types."""  # renders a tickets_pb2.ListTicketTypesResponse

    results = TicketTypeSerializer(many=True, source="ticket_types")


class EventDetailSerializer(EventSerializer):
    """An event with its ticket types."""  # renders (events_pb2.Event, its tickets_pb2.TicketTypes)

    ticket_types = TicketTypeSerializer(many=True)

    def to_representation(self, instance) -> dict:
        # The event and its ticket types come from two services: `instance` is the pair of them.
        event, ticket_types = instance
        types = self.fields["ticket_types"].to_representation(ticket_types)
        return {**EventSerializer(event, context=self.context).data, "ticket_types": types}


class EventDetailSchema(OpenApiSerializerExtension):
    """EventDetail is Event plus its ticket types: described as such (allOf), so the event's fields, and
    its status enum, are defined once."""

    target_class = EventDetailSerializer

    def map_serializer(self, auto_schema, direction):
        types = auto_schema.resolve_serializer(TicketTypeSerializer, direction).ref
        return {
            "allOf": [
                auto_schema.resolve_serializer(EventSerializer, direction).ref,
                {
                    "type": "object",
                    "properties": {"ticket_types": {"type": "array", "items": types, "readOnly": True}},
                    "required": ["ticket_types"],
                },
            ]
        }


class TicketTypeSalesSerializer(ResponseSerializer):
    """One ticket type's line of a sales report."""  # renders a tickets_pb2.TicketTypeSales

    ticket_type_id = serializers.IntegerField()
    name = serializers.CharField()
    capacity = serializers.IntegerField()
    sold = serializers.IntegerField()
    held = serializers.IntegerField(help_text="Seats held by reserved, unpaid orders.")
    available = serializers.IntegerField()
    revenue = AmountField(help_text="Paid for the sold seats, after voucher discounts.")
    currency = serializers.CharField()
    discounts = AmountField(help_text="Taken off the sold seats' price by vouchers.")
    waiting_entries = serializers.IntegerField(help_text="Customers waiting on its waiting list.")
    waiting_seats = serializers.IntegerField(help_text="Seats its waiting list's customers wait for.")


class SalesSerializer(ResponseSerializer):
    """An event's sales report."""  # renders a tickets_pb2.SalesReport

    event_id = serializers.IntegerField()
    ticket_types = TicketTypeSalesSerializer(many=True)
    checked_in = serializers.IntegerField(help_text="Tickets of the event checked in so far.")


class TicketTypeWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    # A JSON string ("25.00") or number (25, 25.5); at most 2 decimals.
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("99999999.99")
    )
    currency = serializers.CharField(required=False, default="USD", max_length=3)
    capacity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    max_per_order = serializers.IntegerField(required=False, default=10, min_value=1, max_value=100)
    max_per_customer = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=1000,
        help_text="Seats one customer may hold and buy over all their orders (held and paid); omitted or null: "
        "no limit.",
    )
    sales_start = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="When reservations open; omitted or null: now."
    )
    sales_end = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When reservations close; omitted or null: when the event starts (and when its start moves). "
        "It may be after the start, for sales at the door.",
    )
    hidden = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Not listed publicly; sold only with a voucher that unlocks it (a presale).",
    )

    def validate_currency(self, value: str) -> str:
        if not _CURRENCY.match(value):
            raise serializers.ValidationError("Enter a 3-letter ISO 4217 currency code.")
        return value.upper()

    def create_request(self, event_id: int) -> tickets_pb2.CreateTicketTypeRequest:
        data = self.validated_data
        return tickets_pb2.CreateTicketTypeRequest(
            event_id=event_id,
            name=data["name"],
            price=f"{data['price']:.2f}",
            currency=data["currency"],
            capacity=data["capacity"],
            max_per_order=data["max_per_order"],
            max_per_customer=data["max_per_customer"] or 0,
            sales_start=to_timestamp(data["sales_start"]),
            sales_end=to_timestamp(data["sales_end"]),
            hidden=data["hidden"],
        )


class TicketTypeChangeSerializer(TicketTypeWriteSerializer):
    """The fields of a ticket type a PATCH may change, by the rules of creation; those absent keep their
    value. `currency` and `max_per_customer` are fixed once the type exists: giving them is a 400."""

    FIXED = ("currency", "max_per_customer")
    currency = None
    max_per_customer = None
    sales_start = serializers.DateTimeField(required=False, help_text="When reservations open.")
    sales_end = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When reservations close; null: when the event starts again (and when its start moves). "
        "A time in the past closes sales now.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)

    def validate(self, data: dict) -> dict:
        fixed = [name for name in self.FIXED if name in self.initial_data]
        if fixed:
            raise serializers.ValidationError({name: ["This field cannot be changed."] for name in fixed})
        return data

    @staticmethod
    def values_of(ticket_type: tickets_pb2.TicketType) -> dict:
        """The type's fields as this serializer reads them (a form to change it starts with them). Not
        `sales_end`: the message does not say whether it is the type's own or the event's start, and
        sending the event's start would fix it there."""
        return {
            **{name: getattr(ticket_type, name) for name in ("name", "price", "capacity", "max_per_order", "hidden")},
            "sales_start": from_timestamp(ticket_type.sales_start),
        }

    def update_request(self, event_id: int, ticket_type_id: int) -> tickets_pb2.UpdateTicketTypeRequest:
        data = self.validated_data
        fields = {name: data[name] for name in ("name", "capacity", "max_per_order", "hidden") if name in data}
        if "price" in data:
            fields["price"] = f"{data['price']:.2f}"
        if "sales_start" in data:
            fields["sales_start"] = to_timestamp(data["sales_start"])
        if "sales_end" in data:
            if data["sales_end"] is None:
                fields["reset_sales_end"] = True
            else:
                fields["sales_end"] = to_timestamp(data["sales_end"])
        return tickets_pb2.UpdateTicketTypeRequest(event_id=event_id, ticket_type_id=ticket_type_id, **fields)


class CapacityConflictSerializer(ErrorSerializer):
    """A change a ticket type's state refuses. `capacity_below_sold` says how many seats are taken."""

    sold = serializers.IntegerField(required=False, help_text="With `capacity_below_sold`: the seats sold.")
    held = serializers.IntegerField(
        required=False, help_text="With `capacity_below_sold`: the seats held by reserved, unpaid orders."
    )


class VoucherSerializer(ResponseSerializer):
    """A voucher of an event, with the seats it has discounted."""  # renders a tickets_pb2.Voucher

    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    code = serializers.CharField(help_text="Upper case; buyers may type it in any case.")
    discount_kind = serializers.ChoiceField(choices=["percent", "amount", "price"])
    discount_value = AmountField(help_text="The percentage off, the amount off each seat, or each seat's price.")
    ticket_type_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="The ticket types it applies to; empty: every type of the event."
    )
    max_uses = serializers.IntegerField(help_text="Seats it may discount in all.")
    uses = serializers.IntegerField(help_text="Seats it has discounted, held or paid.")
    valid_from = TimestampField(allow_null=True)
    valid_until = TimestampField(allow_null=True)
    unlocks_hidden = serializers.BooleanField(help_text="Whether it opens the event's hidden ticket types.")
    active = serializers.BooleanField()
    created_at = TimestampField()
    event_url = LinkField("event-detail", "Its event.", event_id="event_id")
    deactivate_url = LinkField(
        "event-voucher-deactivate", "POST: it discounts no more seats.", event_id="event_id", voucher_id="id"
    )


class VoucherPageSerializer(ResponseSerializer):
    """A page of an event's vouchers, newest first."""  # renders a tickets_pb2.ListVouchersResponse

    results = VoucherSerializer(many=True, source="vouchers")
    next = NextPageField()
    previous = PreviousPageField()


class VoucherListSerializer(ResponseSerializer):
    """The vouchers just created."""  # renders a tickets_pb2.ListVouchersResponse

    results = VoucherSerializer(many=True, source="vouchers")


class VoucherWriteSerializer(serializers.Serializer):
    code = serializers.CharField(
        required=False,
        default="",
        max_length=MAX_VOUCHER_CODE_LENGTH,
        help_text="The code to give out; or give `count` instead.",
    )
    count = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=1000, help_text="How many random, unguessable codes."
    )
    discount_kind = serializers.ChoiceField(choices=["percent", "amount", "price"])
    discount_value = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("99999999.99")
    )
    ticket_type_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=100,
        help_text="The ticket types it applies to; omitted or empty: every type of the event.",
    )
    max_uses = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=1_000_000, help_text="Seats it may discount in all."
    )
    valid_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    unlocks_hidden = serializers.BooleanField(
        required=False, default=False, help_text="Whether it opens the event's hidden ticket types."
    )

    def create_request(self, event_id: int) -> tickets_pb2.CreateVouchersRequest:
        data = self.validated_data
        return tickets_pb2.CreateVouchersRequest(
            event_id=event_id,
            code=data["code"],
            count=data["count"],
            discount_kind=data["discount_kind"],
            discount_value=f"{data['discount_value']:.2f}",
            ticket_type_ids=data["ticket_type_ids"],
            max_uses=data["max_uses"],
            valid_from=to_timestamp(data["valid_from"]),
            valid_until=to_timestamp(data["valid_until"]),
            unlocks_hidden=data["unlocks_hidden"],
        )


# --- door staff -------------------------------------------------------------------------------------

STAFF_ROLES = ["manager", "scanner"]
STAFF_ROLES_HELP = (
    "`manager`: everything the organizer may do for the event but cancelling it and managing its staff; "
    "`scanner`: checks tickets of the event in, and looks them up."
)


class StaffMemberSerializer(ResponseSerializer):
    """Someone who acts for the event, by their account's email."""  # renders an events_pb2.EventStaffMember

    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    email = serializers.EmailField(help_text="Lower case. The account may be registered later.")
    role = EnumField(EVENT_ROLE, choices=STAFF_ROLES, help_text=STAFF_ROLES_HELP)
    created_at = TimestampField()
    url = LinkField(
        "event-staff-member", "DELETE: the member no longer acts for the event.", event_id="event_id", staff_id="id"
    )
    event_url = LinkField("event-detail", "Its event.", event_id="event_id")


class StaffListSerializer(ResponseSerializer):
    """The event's staff, in order of invitation."""  # renders an events_pb2.ListEventStaffResponse

    results = StaffMemberSerializer(many=True, source="members")


class StaffInviteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The account's email; it may be registered later.")
    role = serializers.ChoiceField(choices=STAFF_ROLES, help_text=STAFF_ROLES_HELP)

    def invite_request(self, event_id: int) -> events_pb2.InviteEventStaffRequest:
        data = self.validated_data
        return events_pb2.InviteEventStaffRequest(
            event_id=event_id, email=data["email"], role=EVENT_ROLE.number(data["role"])
        )


# --- waiting lists ---------------------------------------------------------------------------------


class WaitingListJoinSerializer(serializers.Serializer):
    """Joining a sold-out ticket type's waiting list."""

    # The type's own max_per_order and capacity are checked by the tickets service (a 400 on `quantity` too).
    quantity = serializers.IntegerField(
        min_value=1, max_value=100, help_text="Seats to wait for: 1 to the type's max_per_order (and its capacity)."
    )

    def join_request(self, user, event_id: int, ticket_type_id: int) -> tickets_pb2.JoinWaitingListRequest:
        return tickets_pb2.JoinWaitingListRequest(
            event_id=event_id,
            ticket_type_id=ticket_type_id,
            quantity=self.validated_data["quantity"],
            email=user.email,
            full_name=user.full_name,
        )


class WaitingListQuerySerializer(serializers.Serializer):
    """The query of leaving a waiting list."""

    all = serializers.BooleanField(
        required=False,
        default=False,
        help_text="`1`: clear the whole list (the event's organizer): every waiting entry ends, the open sale resumes.",
    )


class WaitingListEntrySerializer(ResponseSerializer):
    """A customer's entry on a ticket type's waiting list."""  # renders a tickets_pb2.WaitingListEntry

    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    ticket_type_id = serializers.IntegerField()
    quantity = serializers.IntegerField(help_text="Seats waited for: all are offered at once, or none.")
    status = EnumField(
        WAITING_LIST_STATUS,
        help_text="`waiting`; `offered` (`order_id` holds the seats); `left`; `cleared` by the organizer; "
        "`refused` (its turn came but the type's max_per_customer had no room).",
    )
    position = serializers.IntegerField(help_text="While waiting: 1 for the next entry offered seats; else 0.")
    seats_ahead = serializers.IntegerField(help_text="Seats the entries before it wait for.")
    order_id = OptionalIdField(
        allow_null=True,
        help_text="Once offered: the order holding its seats (`GET /api/orders/{id}/` says what became of it).",
    )
    offer_expires_at = TimestampField(allow_null=True, help_text="Once offered: when its order's hold lapses.")
    created_at = TimestampField(help_text="When it joined: the list's order.")


class WaitingListClearedSerializer(ResponseSerializer):
    """A waiting list cleared."""  # renders a tickets_pb2.ClearWaitingListResponse

    cleared = serializers.IntegerField(help_text="Waiting entries ended.")
