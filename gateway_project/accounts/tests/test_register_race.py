"""Registration that loses the race for its email is told the email is taken (400), not a 500.
(The race itself, at the real gateway on MySQL: tests.security.test_registration_race.)"""

from unittest import mock

from rest_framework import status
from rest_framework.test import APITestCase

from gateway_project.accounts.models import User
from gateway_project.accounts.serializers import RegisterSerializer

REGISTER_URL = "/api/auth/register/"
PASSWORD = "correct-horse-battery-staple"


class RegistrationInsertRaceTests(APITestCase):
    def test_a_registration_whose_insert_loses_to_another_is_told_the_email_is_taken(self):
        User.objects.create_user(email="grace@example.com", password=PASSWORD, full_name="Grace Hopper")
        body = {"email": "grace@example.com", "password": PASSWORD, "full_name": "Grace Hopper"}

        # As if the other registration had inserted the email just after this one's check.
        with mock.patch.object(RegisterSerializer, "validate_email", lambda self, value: value):
            response = self.client.post(REGISTER_URL, body, format="json")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST, response.content)
        self.assertEqual(response.json(), {"email": ["A user with this email already exists."]})
        self.assertEqual(User.objects.filter(email="grace@example.com").count(), 1)
