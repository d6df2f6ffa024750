"""Who is calling, carried from the gateway to the services in gRPC metadata."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from servicekit import tracing

USER_ID_KEY = "x-user-id"
ROLE_KEY = "x-user-role"
STAFF_KEY = "x-user-staff"
EMAIL_KEY = "x-user-email"
REQUEST_ID_KEY = "x-request-id"

CUSTOMER = "customer"
ORGANIZER = "organizer"


@dataclass(frozen=True)
class Caller:
    """The authenticated end user on whose behalf a call is made (None id: anonymous)."""

    user_id: int | None = None
    role: str = ""
    is_staff: bool = False
    request_id: str = ""
    # Lower case; names the caller in an event's staff, who may be invited before they register.
    email: str = ""

    @property
    def is_organizer(self) -> bool:
        return self.role == ORGANIZER

    def to_metadata(self) -> tuple[tuple[str, str], ...]:
        """The gRPC metadata of a call on this caller's behalf. The request id is the caller's,
        else the one being handled in this process (servicekit.tracing), else a fresh one."""
        request_id = self.request_id or tracing.current_request_id()
        metadata = [(REQUEST_ID_KEY, tracing.accept(request_id))]
        if self.user_id is not None:
            metadata += [
                (USER_ID_KEY, str(self.user_id)),
                (ROLE_KEY, self.role),
                (STAFF_KEY, "1" if self.is_staff else "0"),
            ]
            if self.email:
                # Metadata values are ASCII: an internationalized address travels percent-encoded.
                metadata.append((EMAIL_KEY, quote(self.email, safe="@.+-_")))
        return tuple(metadata)

    @classmethod
    def from_metadata(cls, metadata) -> Caller:
        values = dict(metadata or ())
        raw_id = values.get(USER_ID_KEY, "")
        return cls(
            user_id=int(raw_id) if raw_id.isdigit() else None,
            role=values.get(ROLE_KEY, ""),
            is_staff=values.get(STAFF_KEY) == "1",
            request_id=values.get(REQUEST_ID_KEY, ""),
            email=unquote(values.get(EMAIL_KEY, "")).lower(),
        )

    @classmethod
    def from_context(cls, context) -> Caller:
        """The caller of the RPC being served."""
        return cls.from_metadata(context.invocation_metadata())
