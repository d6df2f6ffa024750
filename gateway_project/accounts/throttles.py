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


class OrderCreationThrottle(SlotRateThrottle):
    """Limits the orders one user creates (ORDER_THROTTLE_RATE): seats cannot be hoarded by a script."""

    scope = "orders"

    def get_ident_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"address:{self.get_ident(request)}"
