"""Security 2: a JWT the gateway did not issue, or no longer honours, is refused with 401:
expired, signed with another key or another algorithm, `alg: none`, claims changed after
signing, a refresh token sent as an access token, a blacklisted refresh token, and the tokens
of a deleted or a deactivated user. The gateway runs in-process; the services it would call are
the real processes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken

from gateway_project.accounts.serializers import TokenObtainSerializer
from gateway_project.tests.base import GatewayAPITestCase
from tests.security.support import Scenario, future_times, tried

ME_URL = "/api/auth/me/"
EVENTS_URL = "/api/events/"
REFRESH_URL = "/api/auth/token/refresh/"
LOGOUT_URL = "/api/auth/logout/"
UNAUTHENTICATED_CODES = (
    "token_not_valid",
    "authentication_failed",
    "bad_authorization_header",
    "user_not_found",
    "user_inactive",
)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


class JwtTest(Scenario, GatewayAPITestCase):
    def setUp(self):
        super().setUp()
        self.organizer = self.make_organizer()
        self.tokens = TokenObtainSerializer.get_token(self.organizer)
        self.access = str(self.tokens.access_token)

    def assert_refused(self, token: str) -> None:
        """The token opens neither a read nor a write (an organizer's event creation)."""
        tried(2)
        me = self.client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {token}")
        self.assertEqual(me.status_code, 401, me.content)
        self.assertIn(me.json()["code"], UNAUTHENTICATED_CODES)
        created = self.client.post(
            EVENTS_URL, {"name": "Forged", **future_times()}, format="json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        self.assertEqual(created.status_code, 401, created.content)

    def test_the_issued_access_token_is_accepted(self):
        # The control: everything below is refused for what was done to the token, not for the endpoints.
        self.assertEqual(self.client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {self.access}").status_code, 200)
        created = self.client.post(
            EVENTS_URL, {"name": "Real", **future_times()}, format="json", HTTP_AUTHORIZATION=f"Bearer {self.access}"
        )
        self.assertEqual(created.status_code, 201, created.content)

    def test_an_expired_access_token_is_refused(self):
        token = self.tokens.access_token
        token.set_exp(from_time=datetime.now(UTC) - timedelta(hours=1), lifetime=timedelta(minutes=15))

        self.assert_refused(str(token))

    def test_a_token_signed_with_another_key_is_refused(self):
        self.assert_refused(jwt.encode(_claims(self.access), "not-the-server-key" * 4, algorithm="HS256"))

    def test_a_token_signed_with_another_algorithm_is_refused(self):
        self.assert_refused(jwt.encode(_claims(self.access), settings.SECRET_KEY, algorithm="HS512"))

    def test_an_unsigned_token_alg_none_is_refused(self):
        header = _b64({"alg": "none", "typ": "JWT"})
        for signature in ("", "AAAA", self.access.rsplit(".", 1)[1]):
            with self.subTest(signature=signature[:8]):
                self.assert_refused(f"{header}.{_b64(_claims(self.access))}.{signature}")

    def test_claims_changed_after_signing_are_refused(self):
        customer = self.make_user()
        access = str(TokenObtainSerializer.get_token(customer).access_token)
        header, _, signature = access.split(".")
        for change in ({"role": "organizer"}, {"user_id": str(self.organizer.id)}, {"exp": 4_102_444_800}):
            with self.subTest(change=change):
                self.assert_refused(f"{header}.{_b64({**_claims(access), **change})}.{signature}")

    def test_a_refresh_token_is_not_an_access_token(self):
        self.assert_refused(str(self.tokens))

    def test_garbage_is_refused(self):
        for token in ("", "not.a.token", "a.b", "...", self.access + "x", self.access[:-4]):
            with self.subTest(token=token[-12:]):
                self.assert_refused(token)

    def test_a_blacklisted_refresh_token_is_refused(self):
        refresh = str(self.tokens)
        self.assertEqual(self.client.post(LOGOUT_URL, {"refresh": refresh}, format="json").status_code, 204)

        response = self.client.post(REFRESH_URL, {"refresh": refresh}, format="json")
        tried()

        self.assertEqual(response.status_code, 401, response.content)

    def test_a_rotated_refresh_token_is_refused(self):
        refresh = str(self.tokens)
        self.assertEqual(self.client.post(REFRESH_URL, {"refresh": refresh}, format="json").status_code, 200)

        response = self.client.post(REFRESH_URL, {"refresh": refresh}, format="json")
        tried()

        self.assertEqual(response.status_code, 401, response.content)

    def test_the_tokens_of_a_deleted_user_are_refused(self):
        refresh = str(RefreshToken.for_user(self.organizer))
        self.organizer.delete()

        self.assert_refused(self.access)
        response = self.client.post(REFRESH_URL, {"refresh": refresh}, format="json")
        tried()
        self.assertEqual(response.status_code, 401, response.content)

    def test_the_tokens_of_a_deactivated_user_are_refused(self):
        refresh = str(self.tokens)
        self.organizer.is_active = False
        self.organizer.save()  # as the admin does

        self.assert_refused(self.access)
        response = self.client.post(REFRESH_URL, {"refresh": refresh}, format="json")
        tried()
        self.assertEqual(response.status_code, 401, response.content)
