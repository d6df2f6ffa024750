"""`make up` (servicekit.stack): what it checks before it starts anything (that each process can listen
where it is configured to, and that mysqlclient can be built for a MySQL DATABASE_URL; each problem is
one line saying what to do), and how Ctrl-C stops what it started."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.test import SimpleTestCase

from devkit.net import free_port
from devkit.processes import procfile_commands
from servicekit import stack
from servicekit.config import ENV_VARS, REPO_ROOT

FAKE_MARIADB_PC = """Name: libmariadb
Description: a stand-in of the MariaDB client library's pkg-config file
Version: 3.3.0
Libs: -lmariadb
Cflags: -I/usr/include/mariadb
"""


def free_environ(**overrides: str) -> dict[str, str]:
    """Every listening process on a free loopback port, but for `overrides`."""
    environ = {"MICROTIX_HTTP_HOST": "127.0.0.1", "MICROTIX_HTTP_PORT": str(free_port())}
    for name in stack.GRPC_SERVICES:
        environ[f"MICROTIX_{name.upper()}_ADDR"] = f"127.0.0.1:{free_port()}"
    return {**environ, **overrides}


class PortCheckTests(SimpleTestCase):
    def setUp(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(self.listener.close)
        self.taken = f"127.0.0.1:{self.listener.getsockname()[1]}"

    def test_free_ports_are_no_problem(self):
        self.assertEqual(stack.port_problems(free_environ()), [])

    def test_a_taken_grpc_port_is_one_line_naming_the_variable_to_set(self):
        problems = stack.port_problems(free_environ(MICROTIX_EVENTS_ADDR=self.taken))

        self.assertEqual(
            problems,
            [
                f"events cannot listen on {self.taken} (the port is taken): "
                "set MICROTIX_EVENTS_ADDR to a free host:port."
            ],
        )

    def test_a_taken_listen_address_names_the_listen_variable(self):
        problems = stack.port_problems(free_environ(MICROTIX_TICKETS_LISTEN_ADDR=self.taken))

        self.assertEqual(len(problems), 1)
        self.assertIn("set MICROTIX_TICKETS_LISTEN_ADDR to a free host:port", problems[0])

    def test_a_taken_gateway_port_names_microtix_http_port(self):
        port = self.taken.rpartition(":")[2]

        problems = stack.port_problems(free_environ(MICROTIX_HTTP_PORT=port))

        self.assertEqual(
            problems,
            [f"gateway cannot listen on {self.taken} (the port is taken): set MICROTIX_HTTP_PORT to a free port."],
        )

    def test_a_port_taken_on_every_interface_is_taken_on_loopback_too(self):
        everywhere = socket.create_server(("0.0.0.0", 0))  # as a container's server binds
        self.addCleanup(everywhere.close)
        address = f"127.0.0.1:{everywhere.getsockname()[1]}"

        self.assertEqual(len(stack.port_problems(free_environ(MICROTIX_PAYMENTS_ADDR=address))), 1)


class MysqlClientCheckTests(SimpleTestCase):
    def pkg_config_dir(self, with_mariadb: bool) -> str:
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        if with_mariadb:
            (Path(directory.name) / "libmariadb.pc").write_text(FAKE_MARIADB_PC)
        return directory.name

    def environ(self, with_mariadb: bool, **overrides: str) -> dict[str, str]:
        return {"PATH": os.environ["PATH"], "PKG_CONFIG_LIBDIR": self.pkg_config_dir(with_mariadb), **overrides}

    def test_with_the_client_library_there_is_no_problem(self):
        self.assertIsNone(stack.mysql_client_problem(self.environ(with_mariadb=True)))

    def test_without_the_client_library_it_says_to_install_libmariadb_dev(self):
        problem = stack.mysql_client_problem(self.environ(with_mariadb=False))

        self.assertRegex(problem, r"^DATABASE_URL is MySQL/MariaDB, .*: first run `apt-get install libmariadb-dev")
        self.assertNotIn("\n", problem)

    def test_without_pkg_config_it_says_to_install_it_too(self):
        problem = stack.mysql_client_problem(self.environ(with_mariadb=True, PATH=self.pkg_config_dir(False)))

        self.assertIn("apt-get install libmariadb-dev pkg-config", problem)

    def test_mysqlclient_s_own_flags_stand_in_for_pkg_config(self):
        environ = self.environ(with_mariadb=False, MYSQLCLIENT_CFLAGS="-I/opt/mysql", MYSQLCLIENT_LDFLAGS="-lmysql")

        self.assertIsNone(stack.mysql_client_problem(environ))


class CtrlCTests(SimpleTestCase):
    """`make up` (`python -m servicekit.stack up`) stopped by Ctrl-C: SIGINT to its honcho."""

    def run_up(self, procfile: str, ready: str, environ: dict[str, str] | None = None) -> str:
        """Run `up` over `procfile` until its output shows `ready`, Ctrl-C it; its whole output."""
        directory = Path(self.enterContext(tempfile.TemporaryDirectory()))
        (directory / "Procfile").write_text(procfile)
        output = directory / "output.log"
        code = (
            "import sys; from pathlib import Path; from servicekit.stack import up; sys.exit(up([], Path(sys.argv[1])))"
        )
        with output.open("wb") as log:
            runner = subprocess.Popen(
                [sys.executable, "-c", code, str(directory / "Procfile")],
                cwd=REPO_ROOT,
                env={**os.environ, **(environ or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.addCleanup(_kill_group, runner)
        deadline = time.monotonic() + 60
        while ready not in output.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertIn(ready, output.read_text())
        runner.send_signal(signal.SIGINT)
        runner.wait(timeout=60)
        return output.read_text()

    def test_a_process_slower_to_stop_than_honcho_s_5_seconds_is_not_killed(self):
        slow = (
            "import signal, sys, time; "
            "stop = lambda *_: (time.sleep(7), print('stopped cleanly', flush=True), sys.exit(0)); "
            "signal.signal(signal.SIGINT, stop); "
            "print('ready', flush=True); time.sleep(120)"
        )

        output = self.run_up(f'slow: exec "{sys.executable}" -c "{slow}"\n', ready="ready")

        self.assertIn("stopped cleanly", output)
        self.assertNotIn("SIGKILL", output)

    def test_the_celery_worker_shuts_down_warmly_and_its_pool_is_not_killed(self):
        worker = procfile_commands()["worker"]
        environ = {
            # make up's default broker, on which an idle worker takes longest to stop (about 5 s: its sync loop).
            "CELERY_BROKER_URL": ENV_VARS["CELERY_BROKER_URL"].default,
            "CELERY_QUEUE": f"test-ctrl-c-{uuid.uuid4().hex[:8]}",
            "MICROTIX_WORKER_METRICS_ADDR": "",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }

        output = self.run_up(f"worker: {worker}\n", ready=" ready.", environ=environ)

        self.assertIn("Warm shutdown", output)
        self.assertNotIn("SIGKILL", output)
        self.assertNotIn("exited with 'signal", output)  # a pool process killed, and its task with it


def _kill_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
