"""The gateway as `make up` runs it: the Procfile's gunicorn command line, with its config file,
as gunicorn itself reads them, with the defaults of servicekit.config (README's table)."""

import json
import os
import shutil
import subprocess
import sys

from django.test import SimpleTestCase

from devkit.net import free_port
from devkit.processes import procfile_commands
from servicekit.config import ENV_VARS, REPO_ROOT
from servicekit.metrics import METRICS_DIR

# Run in place of `python -m gunicorn`, with the same arguments: gunicorn's settings, as it would start with.
_SETTINGS = """
import json, sys
from gunicorn.app.wsgiapp import WSGIApplication
sys.argv[0] = "gunicorn"
cfg = WSGIApplication().cfg
print(json.dumps({"workers": cfg.workers, "threads": cfg.threads, "bind": cfg.bind}))
"""


def gateway_settings(**environ: str) -> dict:
    """gunicorn's settings of the Procfile's gateway, in a shell with only `environ` of MicroTix's variables set."""
    command = procfile_commands()["gateway"]
    prefix = "python -m gunicorn "
    assert command.startswith(prefix), command
    port = environ.setdefault("MICROTIX_HTTP_PORT", str(free_port()))  # the config file's metrics directory
    env = {key: value for key, value in os.environ.items() if key not in ENV_VARS}
    try:
        result = subprocess.run(
            ["/bin/sh", "-c", f'exec "{sys.executable}" -c "$SETTINGS" {command.removeprefix(prefix)}'],
            cwd=REPO_ROOT,
            env={**env, **environ, "SETTINGS": _SETTINGS},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        shutil.rmtree(METRICS_DIR / f"gateway-{port}", ignore_errors=True)
    return json.loads(result.stdout.splitlines()[-1])


class GatewayDefaultsTest(SimpleTestCase):
    def test_the_gateway_runs_web_concurrency_s_default_of_workers(self):
        self.assertEqual(gateway_settings()["workers"], int(ENV_VARS["WEB_CONCURRENCY"].default))

    def test_web_concurrency_sets_the_workers(self):
        self.assertEqual(gateway_settings(WEB_CONCURRENCY="3")["workers"], 3)

    def test_each_worker_runs_gateway_threads_s_default_of_threads(self):
        self.assertEqual(gateway_settings()["threads"], int(ENV_VARS["GATEWAY_THREADS"].default))

    def test_the_gateway_listens_on_this_machine_only_by_default(self):
        settings = gateway_settings(MICROTIX_HTTP_PORT="8765")

        self.assertEqual(settings["bind"], ["127.0.0.1:8765"])

    def test_microtix_http_host_makes_it_listen_elsewhere(self):
        settings = gateway_settings(MICROTIX_HTTP_HOST="0.0.0.0", MICROTIX_HTTP_PORT="8765")

        self.assertEqual(settings["bind"], ["0.0.0.0:8765"])
