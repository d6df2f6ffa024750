"""Security 12: one email registered by simultaneous requests makes one account; every other
request is told the email is taken (400), none crashes on the duplicate insert. At the real
gateway (gunicorn: two worker processes, several threads each) on MySQL."""

from __future__ import annotations

import uuid
from functools import partial

from django.test import SimpleTestCase

from tests.security.racing import at_once, on_mysql, post
from tests.security.support import PASSWORD, Scenario, system, tried

REGISTER_URL = "/api/auth/register/"
EMAIL_TAKEN = {"email": ["A user with this email already exists."]}
REQUESTS = 10
ROUNDS = 3


@on_mysql
class RegistrationRaceTest(Scenario, SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system = system()

    def register(self, email: str):
        body = {"email": email, "password": PASSWORD, "full_name": "Racing Registrant"}
        return post(self.system.base_url, REGISTER_URL, body)

    def test_one_email_registered_by_simultaneous_requests_makes_one_account_and_refuses_the_others(self):
        for round_ in range(ROUNDS):
            email = f"racer-{uuid.uuid4().hex[:12]}@example.com"

            answers = at_once(*[partial(self.register, email)] * REQUESTS)
            tried(REQUESTS - 1)

            statuses = sorted(answer.status for answer in answers)
            self.assertEqual(statuses, [201] + [400] * (REQUESTS - 1), f"round {round_}: {statuses}")
            for answer in answers:
                if answer.status == 400:
                    self.assertEqual(answer.body, EMAIL_TAKEN)
            with self.system.database() as db:
                rows = db.execute("SELECT COUNT(*) FROM accounts_user WHERE email = %s", [email])
            self.assertEqual(rows[0][0], 1, f"round {round_}")
