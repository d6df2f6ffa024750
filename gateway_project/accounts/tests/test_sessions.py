"""Sessions of refresh tokens: a login starts one, rotation keeps it, logout ends it for every token
of it; a refresh token is redeemed once, decided by the database. (The races themselves, at the
real gateway on MySQL: tests.security.test_token_races.)"""

from unittest import mock

import jwt
from rest_framework import status
from rest_framework.test import APITestCase
from rest_framework_simplejwt.tokens import RefreshToken

from gateway_project.accounts.models import RevokedSession, User

TOKEN_URL = "/api/auth/token/"
REFRESH_URL = "/api/auth/token/refresh/"
LOGOUT_URL = "/api/auth/logout/"
PASSWORD = "correct-horse-battery-staple"


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


class SessionTestCase(APITestCase):
    def setUp(self):
        self.user = User.objects.create_user(email="ada@example.com", password=PASSWORD, full_name="Ada Lovelace")

    def login(self) -> str:
        response = self.client.post(TOKEN_URL, {"email": "ada@example.com", "password": PASSWORD}, format="json")
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        return response.json()["refresh"]

    def refresh(self, token: str):
        return self.client.post(REFRESH_URL, {"refresh": token}, format="json")

    def rotated(self, token: str) -> str:
        response = self.refresh(token)
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        return response.json()["refresh"]

    def logout(self, token: str):
        return self.client.post(LOGOUT_URL, {"refresh": token}, format="json")


class SessionFamilyTests(SessionTestCase):
    def test_a_login_starts_a_session_named_by_its_refresh_token(self):
        token = claims(self.login())

        self.assertEqual(token["family"], token["jti"])

    def test_a_rotated_refresh_token_stays_in_its_session(self):
        first = self.login()

        second = self.rotated(self.rotated(first))

        self.assertEqual(claims(second)["family"], claims(first)["family"])
        self.assertNotEqual(claims(second)["jti"], claims(first)["jti"])

    def test_a_token_from_before_sessions_is_the_first_of_its_own(self):
        legacy = RefreshToken.for_user(self.user)
        self.assertNotIn("family", legacy.payload)

        rotated = self.rotated(str(legacy))

        self.assertEqual(claims(rotated)["family"], legacy["jti"])


class LogoutEndsTheSessionTests(SessionTestCase):
    def test_logout_refuses_the_tokens_rotated_from_the_same_login(self):
        first = self.login()
        current = self.rotated(first)

        self.assertEqual(self.logout(first).status_code, status.HTTP_204_NO_CONTENT)  # already rotated

        response = self.refresh(current)
        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED, response.content)
        self.assertEqual(response.json()["code"], "token_not_valid")

    def test_logout_with_a_token_from_before_sessions_refuses_the_tokens_rotated_from_it(self):
        legacy = str(RefreshToken.for_user(self.user))
        current = self.rotated(legacy)

        self.assertEqual(self.logout(legacy).status_code, status.HTTP_204_NO_CONTENT)

        self.assertEqual(self.refresh(current).status_code, status.HTTP_401_UNAUTHORIZED)

    def test_logging_out_twice_answers_no_content_both_times(self):
        token = self.login()

        self.assertEqual(self.logout(token).status_code, status.HTTP_204_NO_CONTENT)
        self.assertEqual(self.logout(token).status_code, status.HTTP_204_NO_CONTENT)
        self.assertEqual(RevokedSession.objects.filter(family=claims(token)["family"]).count(), 1)

    def test_logout_leaves_the_other_sessions_of_the_user_usable(self):
        ended, other = self.login(), self.login()

        self.logout(ended)

        self.assertEqual(self.refresh(other).status_code, status.HTTP_200_OK)


class RedeemedOnceTests(SessionTestCase):
    def test_a_refresh_token_that_passed_the_blacklist_check_is_still_redeemed_only_once(self):
        token = self.login()
        self.rotated(token)

        # As if a simultaneous request had redeemed it between this one's check and its write.
        with mock.patch.object(RefreshToken, "check_blacklist"):
            response = self.refresh(token)

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED, response.content)
        self.assertEqual(response.json()["code"], "token_not_valid")
