"""Conversions between aware UTC datetimes and protobuf Timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from servicekit.errors import InvalidInput


def to_timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(UTC))
    return stamp


def from_timestamp(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def optional_datetime(message, field: str) -> datetime | None:
    """The message's Timestamp `field` as a datetime, None when unset; an
    out-of-range value is the caller's mistake (InvalidInput), not a crash."""
    if not message.HasField(field):
        return None
    try:
        return from_timestamp(getattr(message, field))
    except (ValueError, OverflowError):
        raise InvalidInput(field_errors={field: ["Not a valid timestamp."]}) from None


def iso_text(value: datetime) -> str:
    """An aware datetime as ISO 8601 text in UTC, as the API shows times: 2031-05-06T19:00:00Z."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
