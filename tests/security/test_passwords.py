"""Security 3: passwords are stored as Argon2 hashes only. Users register and log in (once
with a wrong password too) through the real gateway; then the user table, every other text
column of the schema and every process's log are read: no password is found in clear."""

import re
import secrets

from django.test import SimpleTestCase

from tests.security.support import Scenario, system, tried

ARGON2_HASH = re.compile(r"^argon2\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")


class PasswordStorageTest(Scenario, SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system = system()
        cls.system.reset_throttles()
        cls.passwords: dict[str, str] = {}  # email -> password
        for role in ("customer", "customer", "organizer"):
            password = f"Pw-{secrets.token_urlsafe(18)}"
            _, email = cls.system.new_user(role, password=password)
            cls.passwords[email] = password
        cls.wrong_password = f"Wrong-{secrets.token_urlsafe(18)}"
        refused = cls.system.client().post(
            "/api/auth/token/", {"email": next(iter(cls.passwords)), "password": cls.wrong_password}
        )
        assert refused.status == 401, refused.body
        tried()

    def test_every_password_is_stored_as_an_argon2id_hash(self):
        with self.system.database() as db:
            placeholders = ", ".join(["%s"] * len(self.passwords))
            query = f"SELECT email, password FROM accounts_user WHERE email IN ({placeholders})"
            stored = dict(db.execute(query, list(self.passwords)))
        self.assertEqual(set(stored), set(self.passwords))
        for email, hashed in stored.items():
            with self.subTest(email=email):
                self.assertRegex(hashed, ARGON2_HASH)
                self.assertNotIn(self.passwords[email], hashed)

    def test_no_column_of_the_user_table_holds_a_password(self):
        with self.system.database() as db:
            rows = db.execute("SELECT * FROM accounts_user")
        self.assertGreaterEqual(len(rows), len(self.passwords))
        cells = [str(cell) for row in rows for cell in row]
        for password in [*self.passwords.values(), self.wrong_password]:
            self.assertFalse([cell for cell in cells if password in cell], "a password in clear in accounts_user")

    def test_no_table_and_no_log_holds_a_password(self):
        secrets_sent = [*self.passwords.values(), self.wrong_password]
        with self.system.database() as db:
            self.assertEqual(db.values_containing(secrets_sent), [], "a password in clear at rest")
            # The scan finds what is there: each user's row, by email.
            self.assertTrue(db.values_containing([next(iter(self.passwords))]))
        for process, text in self.system.log_texts().items():
            for password in secrets_sent:
                self.assertNotIn(password, text, f"a password in the {process} log")
