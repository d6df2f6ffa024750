"""How the gateway shows values of the services' proto messages, in its JSON and in the back office:
enum values by name (servicekit.messages.EnumNames: ORDER_STATUS_PAID -> "paid"), and
Timestamps as ISO 8601 strings in UTC. The fields here are DRF fields that read proto messages, for
the response serializers (api.openapi.ResponseSerializer) that render and describe them."""

from google.protobuf.message import Message
from rest_framework import serializers

from protos.events.v1 import events_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.messages import EnumNames
from servicekit.timestamps import from_timestamp, iso_text

EVENT_STATUS = EnumNames.of(events_pb2.EventStatus)
EVENT_ROLE = EnumNames.of(events_pb2.EventRole)
ORDER_STATUS = EnumNames.of(tickets_pb2.OrderStatus)
TICKET_STATUS = EnumNames.of(tickets_pb2.TicketStatus)
WAITING_LIST_STATUS = EnumNames.of(tickets_pb2.WaitingListStatus)
PAYMENT_STATUS = EnumNames.of(payments_pb2.PaymentStatus)


def iso(stamp) -> str:
    """A Timestamp as an ISO 8601 string in UTC, e.g. 2031-05-06T19:00:00Z."""
    return iso_text(from_timestamp(stamp))


class NullWhenUnset:
    """For a field reading a message field of a message (a Timestamp, a sub-message): declared with
    allow_null, it is null when the message does not set it, as proto3 has no null of its own."""

    def get_attribute(self, instance):
        if self.allow_null and isinstance(instance, Message) and not instance.HasField(self.source):
            return None
        return super().get_attribute(instance)


class TimestampField(NullWhenUnset, serializers.DateTimeField):
    """A Timestamp field of a message, as an ISO 8601 string in UTC."""

    def to_representation(self, value) -> str:
        return iso(value)


class EnumField(serializers.ChoiceField):
    """An enum field of a message, by its name (EnumNames): its choices are the enum's names."""

    def __init__(self, names: EnumNames, *, choices: list[str] | None = None, **kwargs):
        """`choices`: the names the field may take, if not all of them."""
        self.enum_names = names
        super().__init__(choices=choices or names.names, **kwargs)

    def to_representation(self, value) -> str:
        return self.enum_names.name(value)


class OptionalLimitField(serializers.IntegerField):
    """A limit of a message where 0 means none: null then."""

    def to_representation(self, value) -> int | None:
        return int(value) if value else None


class OptionalIdField(serializers.IntegerField):
    """An id of a message where 0 means none: null then."""

    def to_representation(self, value) -> int | None:
        return int(value) if value else None
