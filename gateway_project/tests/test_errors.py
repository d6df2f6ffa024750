"""The API's error contract, as the exception handler enforces it for every DRF view:
validation errors are a field -> messages map; every other error carries `detail` and `code`."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, permissions, status
from rest_framework.test import APIRequestFactory, APISimpleTestCase
from rest_framework.views import APIView


def raising_view(error: Exception):
    class RaisingView(APIView):
        permission_classes = [permissions.AllowAny]
        authentication_classes: list = []

        def get(self, request):
            raise error

    return RaisingView.as_view()


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
