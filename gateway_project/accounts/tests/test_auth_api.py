"""Accounts API: registration, JWT login/refresh/logout, the current user, login throttling."""

import jwt
from django.conf import settings
from rest_framework import status
from rest_framework.test import APITestCase

from gateway_project.accounts.models import User

REGISTER_URL = "/api/auth/register/"
TOKEN_URL = "/api/auth/token/"
REFRESH_URL = "/api/auth/token/refresh/"
LOGOUT_URL = "/api/auth/logout/"
ME_URL = "/api/auth/me/"

PASSWORD = "correct-horse-battery-staple"
LOGIN_ATTEMPTS_ALLOWED = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


class AuthAPITestCase(APITestCase):
    def make_user(self, email: str = "ada@example.com", role: str = User.Role.CUSTOMER, **fields) -> User:
        fields.setdefault("full_name", "Ada Lovelace")
        return User.objects.create_user(email=email, password=PASSWORD, role=role, **fields)

    def register(self, **fields):
        body = {"email": "grace@example.com", "password": PASSWORD, "full_name": "Grace Hopper", **fields}
        return self.client.post(REGISTER_URL, body, format="json")

    def login(self, email: str = "ada@example.com", password: str = PASSWORD, **extra):
        return self.client.post(TOKEN_URL, {"email": email, "password": password}, format="json", **extra)

    def tokens(self, email: str = "ada@example.com") -> dict:
        response = self.login(email)
        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        return response.json()

    def post_raw(self, url: str, body: str):
        return self.client.generic("POST", url, body, content_type="application/json")


class RegisterTests(AuthAPITestCase):
    def test_register_creates_a_customer_by_default(self):
        response = self.register()

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        user = User.objects.get(email="grace@example.com")
        self.assertEqual(
            response.json(),
            {"id": user.id, "email": "grace@example.com", "full_name": "Grace Hopper", "role": "customer"},
        )
        self.assertEqual(user.role, User.Role.CUSTOMER)

    def test_register_as_organizer(self):
        response = self.register(role="organizer")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(response.json()["role"], "organizer")
        self.assertEqual(User.objects.get(email="grace@example.com").role, User.Role.ORGANIZER)

    def test_register_response_does_not_contain_the_password(self):
        response = self.register()

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertNotIn("password", response.json())
        self.assertNotIn(PASSWORD, response.content.decode())

    def test_register_stores_the_password_hashed_with_argon2(self):
        self.register()

        user = User.objects.get(email="grace@example.com")
        self.assertTrue(user.password.startswith("argon2"), user.password[:20])
        self.assertTrue(user.check_password(PASSWORD))

    def test_register_stores_the_email_lowercased(self):
        response = self.register(email="Grace.Hopper@Example.COM")

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(response.json()["email"], "grace.hopper@example.com")
        self.assertTrue(User.objects.filter(email="grace.hopper@example.com").exists())

    def test_register_with_duplicate_email_is_rejected(self):
        self.make_user(email="grace@example.com")

        response = self.register(email="grace@example.com")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("email", response.json())
        self.assertEqual(User.objects.filter(email="grace@example.com").count(), 1)

    def test_register_with_duplicate_email_in_other_case_is_rejected(self):
        self.make_user(email="grace@example.com")

        response = self.register(email="GRACE@Example.com")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("email", response.json())
        self.assertEqual(User.objects.count(), 1)

    def test_register_with_weak_password_is_rejected(self):
        for weak in ("short", "password", "12345678901", "grace@example.com"):
            with self.subTest(password=weak):
                response = self.register(password=weak)

                self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
                self.assertIn("password", response.json())
        self.assertFalse(User.objects.exists())

    def test_register_with_unknown_role_is_rejected(self):
        for role in ("admin", "staff", "", "CUSTOMER"):
            with self.subTest(role=role):
                response = self.register(role=role)

                self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
                self.assertIn("role", response.json())
        self.assertFalse(User.objects.exists())

    def test_register_cannot_grant_staff_or_superuser(self):
        response = self.register(is_staff=True, is_superuser=True)

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        user = User.objects.get(email="grace@example.com")
        self.assertFalse(user.is_staff)
        self.assertFalse(user.is_superuser)

    def test_register_with_missing_fields_names_each_field(self):
        response = self.client.post(REGISTER_URL, {}, format="json")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertLessEqual({"email", "password", "full_name"}, set(response.json()))

    def test_register_with_invalid_email_is_rejected(self):
        response = self.register(email="not-an-email")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("email", response.json())

    def test_register_with_blank_full_name_is_rejected(self):
        response = self.register(full_name="")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("full_name", response.json())

    def test_register_with_malformed_json_is_a_bad_request(self):
        response = self.post_raw(REGISTER_URL, '{"email": "grace@example.com", ')

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("detail", response.json())
        self.assertEqual(response.json()["code"], "parse_error")

    def test_register_with_a_json_list_body_is_a_bad_request(self):
        response = self.post_raw(REGISTER_URL, '["grace@example.com"]')

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)


class LoginTests(AuthAPITestCase):
    def test_login_returns_access_and_refresh_tokens(self):
        self.make_user()

        response = self.login()

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(set(response.json()), {"access", "refresh"})

    def test_access_token_carries_the_role_claim(self):
        organizer = self.make_user(role=User.Role.ORGANIZER)

        access = self.tokens()["access"]

        self.assertEqual(claims(access)["role"], "organizer")
        self.assertEqual(str(claims(access)["user_id"]), str(organizer.id))

    def test_login_with_email_in_other_case_succeeds(self):
        self.make_user(email="ada@example.com")

        response = self.login(email="ADA@Example.com")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)

    def test_login_with_wrong_password_is_unauthorized(self):
        self.make_user()

        response = self.login(password="not-the-password")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
        self.assertIn("detail", response.json())
        self.assertIn("code", response.json())

    def test_login_with_unknown_email_is_unauthorized(self):
        response = self.login(email="nobody@example.com")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)

    def test_login_of_inactive_user_is_unauthorized(self):
        self.make_user(is_active=False)

        response = self.login()

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)

    def test_login_with_missing_fields_is_a_bad_request(self):
        response = self.client.post(TOKEN_URL, {}, format="json")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertLessEqual({"email", "password"}, set(response.json()))

    def test_login_with_malformed_json_is_a_bad_request(self):
        response = self.post_raw(TOKEN_URL, '{"email": ')

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)


class LoginThrottleTests(AuthAPITestCase):
    def test_login_attempt_over_the_rate_from_one_address_is_throttled(self):
        for attempt in range(LOGIN_ATTEMPTS_ALLOWED):
            response = self.login(email=f"guess{attempt}@example.com", password="wrong-password")
            self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED, f"attempt {attempt + 1}")

        response = self.login(email="another-guess@example.com", password="wrong-password")

        self.assertEqual(response.status_code, status.HTTP_429_TOO_MANY_REQUESTS)
        self.assertEqual(response.json()["code"], "throttled")

    def test_login_throttle_ignores_a_client_sent_forwarded_for_header(self):
        for attempt in range(LOGIN_ATTEMPTS_ALLOWED):
            self.login(email=f"guess{attempt}@example.com", password="x", HTTP_X_FORWARDED_FOR=f"10.1.0.{attempt}")

        response = self.login(email="last@example.com", password="x", HTTP_X_FORWARDED_FOR="10.1.1.1")

        self.assertEqual(response.status_code, status.HTTP_429_TOO_MANY_REQUESTS)

    def test_login_over_the_rate_is_throttled_even_with_the_right_password(self):
        self.make_user()
        for _ in range(LOGIN_ATTEMPTS_ALLOWED):
            self.login(password="wrong-password")

        response = self.login()

        self.assertEqual(response.status_code, status.HTTP_429_TOO_MANY_REQUESTS)

    def test_login_attempts_on_one_account_are_throttled_across_addresses(self):
        self.make_user()
        for attempt in range(LOGIN_ATTEMPTS_ALLOWED):
            response = self.login(password="wrong-password", REMOTE_ADDR=f"10.0.0.{attempt + 1}")
            self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED, f"attempt {attempt + 1}")

        response = self.login(email="ADA@example.com", REMOTE_ADDR="10.0.1.1")

        self.assertEqual(response.status_code, status.HTTP_429_TOO_MANY_REQUESTS)

    def test_attempts_with_an_email_longer_than_a_throttle_key_are_counted_too(self):
        email = f"{'x' * 1000}@example.com"  # its key is a digest
        for attempt in range(LOGIN_ATTEMPTS_ALLOWED):
            response = self.login(email=email, password="wrong-password", REMOTE_ADDR=f"10.0.0.{attempt + 1}")
            self.assertNotEqual(response.status_code, status.HTTP_429_TOO_MANY_REQUESTS, f"attempt {attempt + 1}")

        response = self.login(email=email, REMOTE_ADDR="10.0.1.1")

        self.assertEqual(response.status_code, status.HTTP_429_TOO_MANY_REQUESTS)
        self.assertGreater(int(response["Retry-After"]), 0)

    def test_logins_within_the_rate_are_not_throttled(self):
        self.make_user()
        for _ in range(LOGIN_ATTEMPTS_ALLOWED - 1):
            self.login(password="wrong-password")

        response = self.login()

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)


class RefreshTests(AuthAPITestCase):
    def test_refresh_returns_a_new_access_and_refresh_token(self):
        self.make_user()
        tokens = self.tokens()

        response = self.client.post(REFRESH_URL, {"refresh": tokens["refresh"]}, format="json")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(set(response.json()), {"access", "refresh"})
        self.assertNotEqual(response.json()["refresh"], tokens["refresh"])

    def test_refreshed_access_token_carries_the_role_claim(self):
        self.make_user(role=User.Role.ORGANIZER)

        response = self.client.post(REFRESH_URL, {"refresh": self.tokens()["refresh"]}, format="json")

        self.assertEqual(claims(response.json()["access"])["role"], "organizer")

    def test_refreshed_access_token_authenticates(self):
        self.make_user()
        refreshed = self.client.post(REFRESH_URL, {"refresh": self.tokens()["refresh"]}, format="json").json()

        response = self.client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {refreshed['access']}")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json()["email"], "ada@example.com")

    def test_rotated_refresh_token_is_refused(self):
        self.make_user()
        old_refresh = self.tokens()["refresh"]
        first = self.client.post(REFRESH_URL, {"refresh": old_refresh}, format="json")
        self.assertEqual(first.status_code, status.HTTP_200_OK, first.content)

        response = self.client.post(REFRESH_URL, {"refresh": old_refresh}, format="json")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)

    def test_refresh_with_a_garbage_token_is_unauthorized(self):
        response = self.client.post(REFRESH_URL, {"refresh": "not.a.token"}, format="json")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)

    def test_refresh_with_an_access_token_is_unauthorized(self):
        self.make_user()

        response = self.client.post(REFRESH_URL, {"refresh": self.tokens()["access"]}, format="json")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)

    def test_refresh_token_of_a_deleted_user_is_unauthorized(self):
        user = self.make_user()
        refresh = self.tokens()["refresh"]
        user.delete()

        response = self.client.post(REFRESH_URL, {"refresh": refresh}, format="json")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED, response.content)
        self.assertEqual(response.json()["code"], "no_active_account")

    def test_refresh_token_of_a_deactivated_user_is_unauthorized(self):
        user = self.make_user()
        refresh = self.tokens()["refresh"]
        user.is_active = False
        user.save()

        response = self.client.post(REFRESH_URL, {"refresh": refresh}, format="json")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED, response.content)

    def test_refresh_with_malformed_json_is_a_bad_request(self):
        response = self.post_raw(REFRESH_URL, '{"refresh": ')

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)

    def test_refresh_without_a_token_is_a_bad_request(self):
        response = self.client.post(REFRESH_URL, {}, format="json")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("refresh", response.json())


class LogoutTests(AuthAPITestCase):
    def test_logout_answers_no_content(self):
        self.make_user()

        response = self.client.post(LOGOUT_URL, {"refresh": self.tokens()["refresh"]}, format="json")

        self.assertEqual(response.status_code, status.HTTP_204_NO_CONTENT)

    def test_refresh_token_is_refused_after_logout(self):
        self.make_user()
        refresh = self.tokens()["refresh"]
        self.client.post(LOGOUT_URL, {"refresh": refresh}, format="json")

        response = self.client.post(REFRESH_URL, {"refresh": refresh}, format="json")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)

    def test_logout_leaves_other_sessions_usable(self):
        self.make_user()
        logged_out = self.tokens()["refresh"]
        other_session = self.tokens()["refresh"]
        self.client.post(LOGOUT_URL, {"refresh": logged_out}, format="json")

        response = self.client.post(REFRESH_URL, {"refresh": other_session}, format="json")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)

    def test_logout_with_a_garbage_token_is_refused_as_invalid(self):
        response = self.client.post(LOGOUT_URL, {"refresh": "not.a.token"}, format="json")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
        self.assertEqual(response.json()["code"], "token_not_valid")

    def test_logout_with_an_access_token_is_refused_as_invalid(self):
        self.make_user()
        tokens = self.tokens()

        response = self.client.post(LOGOUT_URL, {"refresh": tokens["access"]}, format="json")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
        self.assertEqual(response.json()["code"], "token_not_valid")
        refreshed = self.client.post(REFRESH_URL, {"refresh": tokens["refresh"]}, format="json")
        self.assertEqual(refreshed.status_code, status.HTTP_200_OK, refreshed.content)

    def test_logout_without_a_token_is_a_bad_request(self):
        response = self.client.post(LOGOUT_URL, {}, format="json")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("refresh", response.json())

    def test_logout_with_malformed_json_is_a_bad_request(self):
        response = self.post_raw(LOGOUT_URL, "{refresh")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)


class MeTests(AuthAPITestCase):
    def test_me_returns_the_authenticated_user(self):
        user = self.make_user(role=User.Role.ORGANIZER)

        response = self.client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {self.tokens()['access']}")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(
            response.json(),
            {"id": user.id, "email": "ada@example.com", "full_name": "Ada Lovelace", "role": "organizer"},
        )

    def test_me_without_a_token_is_unauthorized(self):
        response = self.client.get(ME_URL)

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
        self.assertEqual(response.json()["code"], "not_authenticated")

    def test_me_with_an_invalid_token_is_unauthorized(self):
        response = self.client.get(ME_URL, HTTP_AUTHORIZATION="Bearer not.a.token")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
        self.assertIn("code", response.json())

    def test_me_with_a_refresh_token_as_bearer_is_unauthorized(self):
        self.make_user()

        response = self.client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {self.tokens()['refresh']}")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)

    def test_me_with_the_token_of_a_deactivated_user_is_unauthorized(self):
        user = self.make_user()
        access = self.tokens()["access"]
        user.is_active = False
        user.save()

        response = self.client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {access}")

        self.assertEqual(response.status_code, status.HTTP_401_UNAUTHORIZED)
