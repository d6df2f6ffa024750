"""Security 9: the production settings (MICROTIX_ENV=production) pass Django's deployment
checks (secure cookies, HSTS, HTTPS redirect, DEBUG off) and every project refuses to start
with the development SECRET_KEY. Each run is a fresh process, as a deployment starts it."""

import secrets
import subprocess
import sys

from django.test import SimpleTestCase

from servicekit import stack
from servicekit.config import ENV_VARS, REPO_ROOT
from tests.security.support import Scenario, tried

SETTINGS_SHOWN = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
)


def manage(project: str, *args: str, **environ: str) -> subprocess.CompletedProcess:
    env = stack.project_environ(environ)
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / project / "manage.py"), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(diffsettings: str):
    """(name, value) of each line of `diffsettings --all` ("### " marks a value equal to Django's default)."""
    for line in diffsettings.splitlines():
        name, equals, value = line.removeprefix("### ").partition(" = ")
        if equals:
            yield name, value


def production(**environ: str) -> dict[str, str]:
    return {"MICROTIX_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(64), **environ}


class ProductionSettingsTest(Scenario, SimpleTestCase):
    def test_the_gateway_passes_the_deployment_checks_at_warning_level(self):
        checked = manage("gateway_project", "check", "--deploy", "--fail-level", "WARNING", **production())

        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        self.assertIn("no issues", checked.stdout + checked.stderr)

    def test_the_development_settings_do_not_pass_them(self):
        checked = manage("gateway_project", "check", "--deploy", "--fail-level", "WARNING", MICROTIX_ENV="development")

        self.assertNotEqual(checked.returncode, 0)
        self.assertIn("security.W004", checked.stderr)  # no HSTS outside production

    def test_production_turns_debug_off_and_the_gateway_https_only(self):
        shown = manage("gateway_project", "diffsettings", "--all", **production(DEBUG="1"))

        self.assertEqual(shown.returncode, 0, shown.stderr)
        values = dict(_settings(shown.stdout))
        self.assertEqual(
            {name: values[name] for name in SETTINGS_SHOWN},
            {
                "DEBUG": "False",
                "SECURE_SSL_REDIRECT": "True",
                "SECURE_HSTS_SECONDS": "31536000",
                "SESSION_COOKIE_SECURE": "True",
                "CSRF_COOKIE_SECURE": "True",
                "SECURE_PROXY_SSL_HEADER": "('HTTP_X_FORWARDED_PROTO', 'https')",
            },
        )

    def test_development_ignores_a_forwarded_proto_header(self):
        shown = manage("gateway_project", "diffsettings", "--all", MICROTIX_ENV="development")

        self.assertEqual(dict(_settings(shown.stdout))["SECURE_PROXY_SSL_HEADER"], "None")

    def test_every_project_refuses_to_start_with_the_default_secret_key(self):
        for project in stack.PROJECTS:
            for name, key in (("the default", ENV_VARS["SECRET_KEY"].default), ("a short one", "s3cret" * 5)):
                with self.subTest(project=project, key=name):
                    started = manage(project, "check", MICROTIX_ENV="production", SECRET_KEY=key)
                    tried()

                    self.assertNotEqual(started.returncode, 0)
                    self.assertIn("ImproperlyConfigured", started.stderr)
                    self.assertIn("SECRET_KEY", started.stderr.splitlines()[-1])

    def test_every_project_starts_in_production_with_a_real_secret_key(self):
        for project in stack.PROJECTS:
            with self.subTest(project=project):
                started = manage(project, "check", **production())

                self.assertEqual(started.returncode, 0, started.stderr)

    def test_an_unknown_environment_name_is_refused(self):
        started = manage("event_service", "check", MICROTIX_ENV="prod")
        tried()

        self.assertNotEqual(started.returncode, 0)
        self.assertIn("MICROTIX_ENV must be development or production", started.stderr)
