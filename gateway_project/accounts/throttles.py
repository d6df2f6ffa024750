from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class LoginAddressThrottle(SimpleRateThrottle):
    """Limits login attempts from one client address."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "login-address", "ident": self.get_ident(request)}


class LoginAccountThrottle(SimpleRateThrottle):
    """Limits login attempts on one account, whatever address they come from."""

    scope = "login"

    def get_cache_key(self, request, view):
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": "login-account", "ident": email.strip().lower()}


class OrderCreationThrottle(UserRateThrottle):
    """Limits the orders one user creates (ORDER_THROTTLE_RATE): seats cannot be hoarded by a script."""

    scope = "orders"
