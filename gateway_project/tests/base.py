"""Base of the gateway's API tests: the real gRPC services run as processes
(started once per test run), the gateway runs in-process under DRF's test client."""

import itertools

from django.test import override_settings
from rest_framework.test import APITestCase

from devkit.processes import ProcessStack, shared_stack
from gateway_project.accounts.models import User
from gateway_project.accounts.serializers import TokenObtainSerializer

# Services keep their rows across tests (they commit in their own processes),
# so every test user gets an id never used before in this run; the gaps leave
# room for users a test registers through the API (they take the next ids).
_user_ids = itertools.count(1_000, step=1_000)
PASSWORD = "correct-horse-battery-staple"


SERVICES = ("events", "tickets", "payments", "notifications")


class GatewayAPITestCase(APITestCase):
    # Environment of a private stack of services for this class only (e.g. a short seat hold);
    # None: the stack shared by the whole run.
    service_environ: dict[str, str] | None = None

    @classmethod
    def setUpClass(cls):
        if cls.service_environ is None:
            cls.services = shared_stack(*SERVICES)
        else:
            cls.services = ProcessStack(list(SERVICES), environ=cls.service_environ).start()
            cls.addClassCleanup(cls.services.stop)
        cls.enterClassContext(override_settings(GRPC_ADDRS=cls.services.grpc_addrs))
        super().setUpClass()

    def make_user(self, role: str = User.Role.CUSTOMER, **fields) -> User:
        user_id = next(_user_ids)
        fields.setdefault("email", f"user{user_id}@example.com")
        fields.setdefault("full_name", f"User {user_id}")
        return User.objects.create_user(id=user_id, password=PASSWORD, role=role, **fields)

    def make_organizer(self, **fields) -> User:
        return self.make_user(User.Role.ORGANIZER, **fields)

    def authenticate(self, user: User | None) -> None:
        """Send the user's access token on every following request (None: anonymous)."""
        if user is None:
            self.client.credentials()
            return
        token = TokenObtainSerializer.get_token(user).access_token
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
