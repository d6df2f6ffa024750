from gateway_project.ratelimits.throttling import SlotRateThrottle


class LoginAddressThrottle(SlotRateThrottle):
    """Limits login attempts from one client address (LOGIN_THROTTLE_RATE)."""

    scope = "login"

    def get_ident_key(self, request, view):
        return f"address:{self.get_ident(request)}"


class LoginAccountThrottle(SlotRateThrottle):
    """Limits login attempts on one account, whatever address they come from (LOGIN_THROTTLE_RATE)."""

    scope = "login"

    def get_ident_key(self, request, view):
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        return f"account:{email.strip().lower()}"


def carries_voucher(request) -> bool:
    """Whether the request tries a voucher code: in its body, or its query (GET)."""
    given = request.query_params if request.method == "GET" else request.data
    voucher = given.get("voucher") if hasattr(given, "get") else None
    return isinstance(voucher, str) and bool(voucher.strip())


class VoucherAddressThrottle(SlotRateThrottle):
    """Limits reservations with a voucher code from one client address (VOUCHER_THROTTLE_RATE): codes
    cannot be guessed at speed, as passwords cannot (LoginAddressThrottle)."""

    scope = "vouchers"

    def get_ident_key(self, request, view):
        return f"address:{self.get_ident(request)}" if carries_voucher(request) else None


class VoucherAccountThrottle(SlotRateThrottle):
    """Limits reservations with a voucher code of one user, whatever address they come from."""

    scope = "vouchers"

    def get_ident_key(self, request, view):
        if not carries_voucher(request) or not request.user.is_authenticated:
            return None
        return f"user:{request.user.pk}"


class OrderCreationThrottle(SlotRateThrottle):
    """Limits the orders one user creates (ORDER_THROTTLE_RATE): seats cannot be hoarded by a script."""

    scope = "orders"

    def get_ident_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"address:{self.get_ident(request)}"


class ConfirmationResendThrottle(SlotRateThrottle):
    """Limits the confirmation emails of one order one user asks to send again (RESEND_THROTTLE_RATE):
    its buyer cannot be spammed through it, and nobody else's attempts use up the buyer's own."""

    scope = "resends"

    def get_ident_key(self, request, view):
        # Per route too: the desk's route counts a caller before the service judges them, so a
        # buyer refused there does not use up their own resends.
        route = "desk" if "event_id" in view.kwargs else "buyer"
        return f"order:{view.kwargs['order_id']}:user:{request.user.pk}:{route}"
