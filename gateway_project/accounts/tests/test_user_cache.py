"""An access token's user is read once per USER_CACHE_SECONDS per worker, not on every request:
what it saves, and how long a change made elsewhere takes to apply."""

import time

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework import status
from rest_framework.test import APITestCase

from devkit.databases import statement_kinds
from gateway_project.accounts import authentication
from gateway_project.accounts.models import User
from gateway_project.accounts.serializers import TokenObtainSerializer

ME_URL = "/api/auth/me/"


class CachedUserTests(APITestCase):
    def setUp(self):
        authentication._users.clear()
        self.user = User.objects.create_user(email="ann@example.com", password="x" * 12, full_name="Ann")
        token = TokenObtainSerializer.get_token(self.user).access_token
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

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
