"""Security 10: a refresh token is redeemed exactly once, and a logout ends its session for good,
however the requests race. Simultaneous refreshes of one token: one gets new tokens, the others
401; a logout racing a refresh answers 204, and no refresh token of the session works after it.
At the real gateway (gunicorn: two worker processes, several threads each) on MySQL."""

from __future__ import annotations

from functools import partial

from django.test import SimpleTestCase

from tests.security.racing import at_once, on_mysql, post
from tests.security.support import PASSWORD, Scenario, system, tried

TOKEN_URL = "/api/auth/token/"
REFRESH_URL = "/api/auth/token/refresh/"
LOGOUT_URL = "/api/auth/logout/"
# Each race is run this many times: one round may be won by the same request either way.
ROUNDS = 6


@on_mysql
class TokenRaceTest(Scenario, SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system = system()
        _, cls.email = cls.system.new_user("customer")

    def setUp(self):
        super().setUp()
        self.addCleanup(self.system.reset_throttles)  # every round logs in

    def login(self) -> str:
        """The refresh token of a new session of the test's user."""
        self.system.reset_throttles()
        tokens = post(self.system.base_url, TOKEN_URL, {"email": self.email, "password": PASSWORD})
        self.assertEqual(tokens.status, 200, tokens.body)
        return tokens.body["refresh"]

    def refresh(self, token: str):
        return post(self.system.base_url, REFRESH_URL, {"refresh": token})

    def logout(self, token: str):
        return post(self.system.base_url, LOGOUT_URL, {"refresh": token})

    def assert_redeemed_once(self, answers: list, round_: int) -> None:
        statuses = sorted(answer.status for answer in answers)
        self.assertEqual(statuses, [200] + [401] * (len(answers) - 1), f"round {round_}: {statuses}")
        for answer in answers:
            if answer.status == 401:
                self.assertEqual(answer.body["code"], "token_not_valid", answer.body)

    def test_a_refresh_token_sent_twice_at_once_is_redeemed_once(self):
        for round_ in range(ROUNDS):
            token = self.login()

            answers = at_once(partial(self.refresh, token), partial(self.refresh, token))
            tried()

            self.assert_redeemed_once(answers, round_)
            (new,) = [answer.body["refresh"] for answer in answers if answer.status == 200]
            self.assertEqual(self.refresh(new).status, 200, f"round {round_}: the one new token works")

    def test_a_refresh_token_sent_ten_times_at_once_is_redeemed_once(self):
        for round_ in range(ROUNDS // 2):
            token = self.login()

            answers = at_once(*[partial(self.refresh, token)] * 10)
            tried(9)

            self.assert_redeemed_once(answers, round_)

    def test_no_refresh_token_of_a_session_works_after_a_logout_that_raced_a_refresh(self):
        for round_ in range(ROUNDS):
            token = self.login()

            logout, refreshed = at_once(partial(self.logout, token), partial(self.refresh, token))

            self.assertEqual(logout.status, 204, f"round {round_}: {logout.body}")
            self.assertIn(refreshed.status, (200, 401), f"round {round_}: {refreshed.body}")
            if refreshed.status == 200:  # the refresh won: its new token is of the ended session
                after = self.refresh(refreshed.body["refresh"])
                tried()
                self.assertEqual(after.status, 401, f"round {round_}: the raced refresh's token still refreshes")
                self.assertEqual(after.body["code"], "token_not_valid")
            self.assertEqual(self.refresh(token).status, 401, f"round {round_}")
            tried()
