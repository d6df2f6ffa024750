"""An access token's user is read once per USER_CACHE_SECONDS per worker, not on every request:
what it saves, and how long a change made elsewhere takes to apply. Its signature is checked once
per worker too, and the token still expires on time."""

import time
from datetime import timedelta
from unittest import mock

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework import status
from rest_framework.test import APITestCase
from rest_framework_simplejwt.backends import TokenBackend

from devkit.databases import statement_kinds
from gateway_project.accounts import authentication
from gateway_project.accounts.models import User
from gateway_project.accounts.serializers import TokenObtainSerializer

ME_URL = "/api/auth/me/"


class AuthenticatedTestCase(APITestCase):
    def setUp(self):
        authentication._users.clear()
        authentication._tokens.clear()
        self.user = User.objects.create_user(email="ann@example.com", password="x" * 12, full_name="Ann")
        self.use(TokenObtainSerializer.get_token(self.user).access_token)

    def use(self, token) -> None:
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")


class CachedUserTests(AuthenticatedTestCase):
    def user_reads_of_a_request(self) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(ME_URL)
        return response.status_code, statement_kinds(queries).count("SELECT accounts_user")

    def test_a_second_request_does_not_read_the_user_again(self):
        self.assertEqual(self.user_reads_of_a_request(), (status.HTTP_200_OK, 1))

        self.assertEqual(self.user_reads_of_a_request(), (status.HTTP_200_OK, 0))

    def test_a_user_deactivated_in_this_worker_is_refused_at_once(self):
        self.client.get(ME_URL)
        self.user.is_active = False
        self.user.save()

        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_401_UNAUTHORIZED)

    @override_settings(USER_CACHE_SECONDS=0.5)
    def test_a_user_deactivated_elsewhere_is_refused_once_the_copy_is_old(self):
        self.client.get(ME_URL)
        User.objects.filter(pk=self.user.pk).update(is_active=False)  # another worker: no signal here

        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_200_OK)  # the documented cost
        time.sleep(0.6)
        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_401_UNAUTHORIZED)

    @override_settings(USER_CACHE_SECONDS=0)
    def test_zero_seconds_reads_the_user_on_every_request(self):
        self.client.get(ME_URL)

        self.assertEqual(self.user_reads_of_a_request(), (status.HTTP_200_OK, 1))


class ValidatedTokenTests(AuthenticatedTestCase):
    def signature_checks_of_a_request(self) -> tuple[int, int]:
        with mock.patch.object(TokenBackend, "decode", autospec=True, side_effect=TokenBackend.decode) as decode:
            response = self.client.get(ME_URL)
        return response.status_code, decode.call_count

    def test_a_second_request_with_a_token_does_not_check_its_signature_again(self):
        self.assertEqual(self.signature_checks_of_a_request(), (status.HTTP_200_OK, 1))

        self.assertEqual(self.signature_checks_of_a_request(), (status.HTTP_200_OK, 0))

    def test_a_token_checked_before_is_refused_once_it_expires(self):
        token = TokenObtainSerializer.get_token(self.user).access_token
        token.set_exp(lifetime=timedelta(seconds=1))
        self.use(token)
        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_200_OK)

        time.sleep(1.1)

        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_401_UNAUTHORIZED)

    def test_a_token_altered_after_one_was_checked_is_refused(self):
        token = str(TokenObtainSerializer.get_token(self.user).access_token)
        self.use(token)
        self.client.get(ME_URL)

        self.use(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))

        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_401_UNAUTHORIZED)
