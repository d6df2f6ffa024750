"""An access token's user is read once per USER_CACHE_SECONDS per worker, not on every request:
what it saves, and how long a change made elsewhere takes to apply (a user saved in another worker:
its next look for changes; a row updated around the model: USER_CACHE_SECONDS). Its signature is
checked once per worker too, and the token still expires on time."""

import time
from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.test import SimpleTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import status
from rest_framework.test import APITestCase
from rest_framework_simplejwt.backends import TokenBackend

from devkit.databases import statement_kinds
from gateway_project.accounts import authentication
from gateway_project.accounts.models import User, UserChange
from gateway_project.accounts.serializers import TokenObtainSerializer

ME_URL = "/api/auth/me/"


class AuthenticatedTestCase(APITestCase):
    def setUp(self):
        authentication.forget_all()
        self.user = User.objects.create_user(email="ann@example.com", password="x" * 12, full_name="Ann")
        self.use(TokenObtainSerializer.get_token(self.user).access_token)

    def use(self, token) -> None:
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")


class CachedUserTests(AuthenticatedTestCase):
    def user_reads_of_a_request(self) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(ME_URL)
        return response.status_code, statement_kinds(queries).count("SELECT accounts_user")

    def deactivate_in_another_worker(self) -> None:
        """This worker keeps a copy of the user; another worker's save deactivates it: the row, and
        its change (no signal here)."""
        self.client.get(ME_URL)
        User.objects.filter(pk=self.user.pk).update(is_active=False)
        UserChange.objects.create(user_id=self.user.pk)

    def test_a_second_request_does_not_read_the_user_again(self):
        self.assertEqual(self.user_reads_of_a_request(), (status.HTTP_200_OK, 1))

        self.assertEqual(self.user_reads_of_a_request(), (status.HTTP_200_OK, 0))

    def test_a_user_deactivated_in_this_worker_is_refused_at_once(self):
        self.client.get(ME_URL)
        self.user.is_active = False
        self.user.save()

        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_401_UNAUTHORIZED)

    @override_settings(USER_CHANGES_POLL_SECONDS=0.2)
    def test_a_user_deactivated_in_another_worker_is_refused_once_this_one_looks_for_changes(self):
        self.deactivate_in_another_worker()

        time.sleep(0.3)

        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_401_UNAUTHORIZED)

    @override_settings(USER_CHANGES_POLL_SECONDS=3600)
    def test_a_worker_looks_for_changes_once_per_interval(self):
        self.client.get(ME_URL)  # a worker's first look only notes the time
        self.assertEqual(self.change_reads_of_a_request(), 0)

        authentication._changes["looked_at"] -= 3600

        self.assertEqual(self.change_reads_of_a_request(), 1)
        self.assertEqual(self.change_reads_of_a_request(), 0)

    @override_settings(USER_CHANGES_POLL_SECONDS=0.2)
    def test_a_worker_that_cannot_read_the_changes_keeps_serving_and_reads_them_at_its_next_look(self):
        self.deactivate_in_another_worker()
        time.sleep(0.3)
        unreadable = mock.patch.object(UserChange.objects, "filter", side_effect=OperationalError(2003, "down"))

        with unreadable:
            self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_200_OK)
        time.sleep(0.3)

        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_401_UNAUTHORIZED)

    def change_reads_of_a_request(self) -> int:
        with CaptureQueriesContext(connection) as queries:
            self.client.get(ME_URL)
        return statement_kinds(queries).count("SELECT accounts_userchange")

    @override_settings(USER_CACHE_SECONDS=0.5)
    def test_a_user_updated_around_the_model_is_refused_once_the_copy_is_old(self):
        self.client.get(ME_URL)
        User.objects.filter(pk=self.user.pk).update(is_active=False)  # no signal, no change row

        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_200_OK)  # the documented cost
        time.sleep(0.6)
        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_401_UNAUTHORIZED)

    @override_settings(USER_CACHE_SECONDS=0)
    def test_zero_seconds_reads_the_user_on_every_request(self):
        self.client.get(ME_URL)

        self.assertEqual(self.user_reads_of_a_request(), (status.HTTP_200_OK, 1))

    @override_settings(USER_CACHE_SECONDS=0, USER_CHANGES_POLL_SECONDS=0)
    def test_zero_seconds_never_looks_for_changes(self):
        self.client.get(ME_URL)

        self.assertEqual(self.change_reads_of_a_request(), 0)


class UserModelTests(SimpleTestCase):
    def test_the_authenticator_reads_users_of_the_auth_user_model(self):
        self.assertIs(authentication.CachedUserJWTAuthentication().user_model, get_user_model())


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
        token.set_exp(lifetime=timedelta(seconds=3))  # `exp` is whole seconds: 2-3 s from now
        self.use(token)
        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_200_OK)

        time.sleep(max(token["exp"] - time.time(), 0) + 0.1)

        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_401_UNAUTHORIZED)

    def test_a_token_altered_after_one_was_checked_is_refused(self):
        token = str(TokenObtainSerializer.get_token(self.user).access_token)
        self.use(token)
        self.client.get(ME_URL)

        self.use(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))

        self.assertEqual(self.client.get(ME_URL).status_code, status.HTTP_401_UNAUTHORIZED)


class UserChangeTests(AuthenticatedTestCase):
    def changes(self) -> list[int]:
        return list(UserChange.objects.values_list("user_id", flat=True))

    def test_saving_a_user_writes_a_change(self):
        self.user.role = User.Role.ORGANIZER
        self.user.save()

        self.assertEqual(self.changes(), [self.user.pk])

    def test_deleting_a_user_writes_a_change(self):
        user_id = self.user.pk
        self.user.delete()

        self.assertEqual(self.changes(), [user_id])

    def test_creating_a_user_or_logging_in_writes_none(self):
        response = self.client.post("/api/auth/token/", {"email": "ann@example.com", "password": "x" * 12})

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(self.changes(), [])

    def test_writing_a_change_deletes_those_older_than_a_day(self):
        UserChange.objects.create(user_id=1, changed_at=timezone.now() - timedelta(days=1, seconds=1))
        UserChange.objects.create(user_id=2, changed_at=timezone.now() - timedelta(hours=23))

        self.user.save()

        self.assertEqual(sorted(self.changes()), sorted([2, self.user.pk]))
