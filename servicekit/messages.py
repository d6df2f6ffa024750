"""Rows to proto messages, one rule for every service: a message field takes the row's attribute of
the same name; a datetime travels as a Timestamp, a Decimal (or a number in a text field) as money
text ("25.00"), a choice value ("refund_pending") as the enum value of that name
(ORDER_STATUS_REFUND_PENDING), None as unset.

An enum's names are read from the generated descriptors, once, by EnumNames: the prefix is the
zero value's name without UNSPECIFIED, the name the value's name after it, lower case. The gateway
shows enum values by the same names."""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal

from servicekit.money import money_text
from servicekit.timestamps import to_timestamp

UNKNOWN = "unknown"  # the name of a value this process does not know (or of the unset zero value)


class EnumNames:
    """The names of a proto enum's values without the enum's prefix, lower case
    (ORDER_STATUS_PAID -> "paid"), in the proto's order; the zero value has none."""

    def __init__(self, enum_descriptor):
        prefix = enum_descriptor.values_by_number[0].name.removesuffix("UNSPECIFIED")
        self.by_number = {
            value.number: value.name.removeprefix(prefix).lower() for value in enum_descriptor.values if value.number
        }
        self.by_name = {name: number for number, name in self.by_number.items()}

    @classmethod
    def of(cls, enum) -> EnumNames:
        """The names of a generated enum (tickets_pb2.OrderStatus)."""
        return _names(enum.DESCRIPTOR)

    @property
    def names(self) -> list[str]:
        """Every name, in the proto's order."""
        return list(self.by_number.values())

    def name(self, number: int) -> str:
        """The name of the value `number`: "unknown" for zero and for a value of a newer proto."""
        return self.by_number.get(number, UNKNOWN)

    def number(self, name: str) -> int:
        """The value named `name`; KeyError for a name the proto does not have."""
        return self.by_name[name]


@functools.cache
def _names(enum_descriptor) -> EnumNames:
    return EnumNames(enum_descriptor)


def message_from(message_class, row, **values):
    """A `message_class` whose fields are `values`, else the attributes of `row` of the same names
    (those it has), converted by the module's rule. Sub-messages other than Timestamps and repeated
    fields are given in `values`."""
    fields = {}
    for field in message_class.DESCRIPTOR.fields:
        name = field.name
        value = values[name] if name in values else getattr(row, name, None)
        if value is None:
            continue
        if isinstance(value, datetime):
            value = to_timestamp(value)
        elif isinstance(value, Decimal) or (field.type == field.TYPE_STRING and type(value) is int):
            value = money_text(value)  # a number in a text field is money (a new row's default 0 too)
        elif isinstance(value, str) and field.enum_type is not None:
            value = _names(field.enum_type).number(value)
        fields[name] = value
    return message_class(**fields)
