import hashlib
from datetime import timedelta

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from gateway_project.ratelimits.services import take_slot

MAX_KEY_LENGTH = 255  # Slot.key


class SlotRateThrottle(BaseThrottle):
    """A DRF throttle counted by `take_slot`: at most `rate` (e.g. "30/min", by default the scope's
    DEFAULT_THROTTLE_RATES entry) requests per client in any window, however they are timed and
    whichever worker or replica answers them. Subclasses name the client: `get_ident_key`."""

    scope: str

    def __init__(self):
        if not getattr(self, "rate", None):
            self.rate = api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        # DRF's own rate syntax ("number/period"); it does not use self.
        self.num_requests, self.duration = SimpleRateThrottle.parse_rate(self, self.rate)
        self.retry_after: timedelta | None = None

    def get_ident_key(self, request, view) -> str | None:
        """The client's identity in this throttle's scope (e.g. "user:42"), or None not to throttle."""
        raise NotImplementedError(".get_ident_key() must be overridden")

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        ident = self.get_ident_key(request, view)
        if ident is None:
            return True
        key = f"{self.scope}:{ident}"
        if len(key) > MAX_KEY_LENGTH:  # e.g. a client-chosen email: long ones become a digest
            key = f"{self.scope}:sha256:{hashlib.sha256(ident.encode()).hexdigest()}"
        self.retry_after = take_slot(key=key, limit=self.num_requests, window=timedelta(seconds=self.duration))
        return self.retry_after is None

    def wait(self) -> float | None:
        """Seconds until this client may try again (DRF's Retry-After)."""
        return self.retry_after.total_seconds() if self.retry_after is not None else None
