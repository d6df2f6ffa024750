"""The API's error contract, as the exception handler enforces it for every DRF view:
validation errors are a field -> messages map; every other error carries `detail` and `code`."""

import threading
import time

import grpc
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import Http404
from django.test import TransactionTestCase
from rest_framework import exceptions, permissions, status
from rest_framework.test import APIRequestFactory, APISimpleTestCase
from rest_framework.views import APIView

from devkit.databases import lock_waits, only_on_mysql, raw_mysql_connection
from gateway_project.accounts.models import User
from gateway_project.api.errors import domain_error_response
from servicekit.grpc_client import error_for


def raising_view(error: Exception):
    class RaisingView(APIView):
        permission_classes = [permissions.AllowAny]
        authentication_classes: list = []

        def get(self, request):
            raise error

    return RaisingView.as_view()


class RefusedCall(grpc.RpcError):
    """A call the transport failed with `status`, without a rich status."""

    def __init__(self, status: grpc.StatusCode, details: str = "Concurrent RPC limit"):
        self._status, self._details = status, details

    def code(self):
        return self._status

    def details(self):
        return self._details

    def trailing_metadata(self):
        return ()


class ExceptionHandlerTests(APISimpleTestCase):
    def get(self, error: Exception):
        response = raising_view(error)(APIRequestFactory().get("/"))
        response.render()
        return response

    def test_api_exception_carries_detail_and_its_code(self):
        response = self.get(exceptions.NotFound())

        self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)
        self.assertEqual(response.data["code"], "not_found")
        self.assertIn("detail", response.data)

    def test_validation_error_is_a_field_map_without_code(self):
        response = self.get(exceptions.ValidationError({"name": ["This field is required."]}))

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(response.data, {"name": ["This field is required."]})

    def test_django_http404_in_an_api_view_is_not_found_with_detail_and_code(self):
        response = self.get(Http404("No such thing."))

        self.assertEqual(response.status_code, status.HTTP_404_NOT_FOUND)
        self.assertEqual(response.data["code"], "not_found")
        self.assertIn("detail", response.data)

    def test_django_permission_denied_in_an_api_view_is_forbidden_with_detail_and_code(self):
        response = self.get(DjangoPermissionDenied())

        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)
        self.assertEqual(response.data["code"], "permission_denied")
        self.assertIn("detail", response.data)

    def test_a_service_refusing_a_call_beyond_its_capacity_is_503_busy_with_retry_after(self):
        response = domain_error_response(error_for("tickets", RefusedCall(grpc.StatusCode.RESOURCE_EXHAUSTED)))

        self.assertEqual(response.status_code, status.HTTP_503_SERVICE_UNAVAILABLE)
        self.assertEqual(response.data["code"], "tickets_busy")
        self.assertIn("Retry-After", response)


@only_on_mysql("provokes a deadlock in MySQL/MariaDB")
class DatabaseDeadlockTests(TransactionTestCase):
    """The gateway's own database work chosen as a deadlock's victim: 503 database_busy, never a 500."""

    def test_a_view_whose_transaction_is_a_deadlock_victim_answers_503_database_busy_with_retry_after(self):
        first, second, *ballast = [
            User.objects.create(email=f"user{n}@example.com", full_name=f"User {n}") for n in range(22)
        ]
        locked_first, rival_locked_second = threading.Event(), threading.Event()

        class LockingView(APIView):
            permission_classes = [permissions.AllowAny]
            authentication_classes: list = []

            def post(self, request):
                with transaction.atomic():
                    User.objects.select_for_update().get(pk=first.pk)
                    locked_first.set()
                    rival_locked_second.wait(10)
                    User.objects.select_for_update().get(pk=second.pk)  # waits for the rival, who waits for us
                return None

        def rival():
            # Heavier than the view's transaction (20 rows changed): MySQL rolls the view's back.
            other = raw_mysql_connection()
            try:
                cursor = other.cursor()
                # As the services' connections: a scan of the few rows does not wait for the view's lock.
                cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                locked_first.wait(10)
                ids = ", ".join(str(user.pk) for user in ballast)
                cursor.execute(f"UPDATE accounts_user SET full_name = CONCAT(full_name, '!') WHERE id IN ({ids})")
                cursor.execute("SELECT id FROM accounts_user WHERE id = %s FOR UPDATE", [second.pk])
                rival_locked_second.set()
                deadline = time.monotonic() + 10
                while not lock_waits(cursor) and time.monotonic() < deadline:  # the view waits for the second row
                    time.sleep(0.2)
                cursor.execute("SELECT id FROM accounts_user WHERE id = %s FOR UPDATE", [first.pk])
                other.rollback()
            finally:
                other.close()

        thread = threading.Thread(target=rival)
        thread.start()
        response = LockingView.as_view()(APIRequestFactory().post("/"))
        response.render()
        thread.join(20)

        self.assertEqual(response.status_code, status.HTTP_503_SERVICE_UNAVAILABLE, response.data)
        self.assertEqual(response.data["code"], "database_busy")
        self.assertIn("Retry-After", response)
