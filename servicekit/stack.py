"""The whole system's Django projects and its database, as `make migrate` (and `make up`, the
compose file's and the Kubernetes Job's `migrate`) set them up, and what `make up` checks first.

    python -m servicekit.stack migrate              # create the database if missing, migrate every project
    python -m servicekit.stack check-ports          # is each process's port free? (else: which variable to set)
    python -m servicekit.stack check-mysql-client   # can mysqlclient be built here? (else: what to install)
    python -m servicekit.stack up [process ...]     # run the Procfile (or those processes) until Ctrl-C

Only the standard library is imported at first: `make` runs the checks before installing anything.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path
from urllib.parse import urlsplit

from servicekit.config import ENV_VARS, REPO_ROOT, env, env_float

# Django projects in migration order (the gateway owns Django's own tables).
PROJECTS = ("gateway_project", "event_service", "ticket_service", "payment_service", "notify_service")


def is_mysql(url: str) -> bool:
    return url.startswith(("mysql://", "mysql2://", "mysqlgis://"))


def mysql_server(url: str):
    """(a new MySQLdb connection to the server of `url`, no database selected; the database's name)."""
    import MySQLdb

    parts = urlsplit(url)
    return MySQLdb.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    ), parts.path.lstrip("/")


def ensure_database(url: str) -> None:
    """Create the MySQL database named in `url` if it does not exist (no-op for SQLite)."""
    if not is_mysql(url):
        return
    server, name = mysql_server(url)
    with server:
        server.cursor().execute(
            f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )


def project_environ(overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a project's process: each project picks its own settings module."""
    environ = {**os.environ, **(overrides or {})}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    return environ


def migrate(environ: dict[str, str] | None = None) -> None:
    """Create the database if missing and apply every project's migrations."""
    environ = project_environ(environ)
    ensure_database(environ.get("DATABASE_URL", env("DATABASE_URL")))
    for project in PROJECTS:
        manage = [sys.executable, str(REPO_ROOT / project / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=environ, check=True)


# --- what `make up` checks before it starts anything ---------------------------------------------

# The gRPC services of the Procfile: each listens on MICROTIX_<NAME>_LISTEN_ADDR, else MICROTIX_<NAME>_ADDR.
GRPC_SERVICES = ("events", "tickets", "payments", "notifications")


def listen_addresses(environ: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(process, host:port it listens on, the variable to set for another) of each process of the
    Procfile that listens, as `environ` (default: this process's) configures them."""
    environ = os.environ if environ is None else environ

    def value(name: str) -> str:
        return environ.get(name, ENV_VARS[name].default)

    addresses = [("gateway", f"{value('MICROTIX_HTTP_HOST')}:{value('MICROTIX_HTTP_PORT')}", "MICROTIX_HTTP_PORT")]
    for name in GRPC_SERVICES:
        listen, dialled = f"MICROTIX_{name.upper()}_LISTEN_ADDR", f"MICROTIX_{name.upper()}_ADDR"
        variable = listen if value(listen) else dialled
        addresses.append((name, value(variable), variable))
    return addresses


def bind_error(address: str) -> OSError | None:
    """Why a server could not listen on `address` ("host:port") now, or None (also for what is not a
    host:port this machine has: the server itself says what is wrong with it)."""
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        return None
    try:
        family, kind, proto, _, sockaddr = socket.getaddrinfo(
            host.strip("[]") or None, int(port), type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        return None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no obstacle
        try:
            sock.bind(sockaddr)
        except OSError as exc:
            return exc
    return None


def port_problems(environ: dict[str, str] | None = None) -> list[str]:
    """One line for each process that could not listen where it is configured to, naming the variable to set."""
    problems = []
    for process, address, variable in listen_addresses(environ):
        error = bind_error(address)
        if error is None:
            continue
        why = "the port is taken" if error.errno == errno.EADDRINUSE else error.strerror
        what = "port" if variable == "MICROTIX_HTTP_PORT" else "host:port"
        problems.append(f"{process} cannot listen on {address} ({why}): set {variable} to a free {what}.")
    return problems


MYSQL_PKG_CONFIG_NAMES = ("mysqlclient", "mariadb", "libmariadb", "perconaserverclient")  # those mysqlclient tries


def mysql_client_problem(environ: dict[str, str] | None = None) -> str | None:
    """Why pip could not build mysqlclient (requirements/mysql.txt) on this machine, in one line saying
    what to install, or None. It compiles against the MySQL/MariaDB client library, which it finds with
    pkg-config unless MYSQLCLIENT_CFLAGS and MYSQLCLIENT_LDFLAGS say where it is."""
    environ = os.environ if environ is None else environ
    missing = []
    if not (environ.get("MYSQLCLIENT_CFLAGS") and environ.get("MYSQLCLIENT_LDFLAGS")):
        pkg_config = shutil.which("pkg-config", path=environ.get("PATH"))
        if pkg_config is None:
            missing.append("pkg-config")
        found = pkg_config is not None and any(
            subprocess.run([pkg_config, "--exists", name], env=environ, check=False).returncode == 0
            for name in MYSQL_PKG_CONFIG_NAMES
        )
        if not found:
            missing.insert(0, "libmariadb-dev")
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler, path=environ.get("PATH")) is None:
        missing.append("build-essential")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        missing.append("python3-dev")
    if not missing:
        return None
    return (
        "DATABASE_URL is MySQL/MariaDB, whose driver (mysqlclient) is compiled on install: "
        f"first run `apt-get install {' '.join(missing)}`."
    )


# --- make up: the Procfile under honcho ---------------------------------------------------------------


def stop_grace_seconds() -> float:
    """How long `up` lets the processes stop before it kills them: longer than their own grace for
    in-flight work (GRPC_GRACE_SECONDS; gunicorn's --graceful-timeout, 10), as docker-compose.yml's
    stop_grace_period is. An idle Celery worker alone takes about 5 s on the filesystem broker."""
    return env_float("GRPC_GRACE_SECONDS") + 5


def up(names: list[str], procfile: Path = REPO_ROOT / "Procfile") -> int:
    """Run the Procfile's processes (or those named) under honcho until one stops or Ctrl-C; return
    honcho's exit code. Two things differ from `honcho start`:

    - each process's group gets SIGINT, as a terminal's Ctrl-C would give it, not SIGTERM: the Celery
      worker's pool processes ignore SIGINT (honcho's SIGTERM killed them: "ForkPoolWorker exited with
      signal 15", their tasks cut off) while its main process shuts down warmly and stops them;
    - the processes get `stop_grace_seconds()` to stop, not honcho's 5 s (then SIGKILL; honcho has no
      option for it, https://github.com/nickstenning/honcho/issues/189)."""
    from honcho import manager as honcho_manager
    from honcho.environ import parse_procfile

    class Manager(honcho_manager.Manager):
        def _killall(self, force=False):
            if force:
                return super()._killall(force=True)
            for name, process in self._processes.items():
                if "returncode" not in process:
                    self._system_print(f"sending SIGINT to {name} (pid {process['pid']})\n")
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(process["pid"], signal.SIGINT)
            return None

    honcho_manager.KILL_WAIT = stop_grace_seconds()
    processes = parse_procfile(procfile.read_text()).processes
    unknown = sorted(set(names) - set(processes))
    if unknown:
        print(f"make up: no such process in the Procfile: {', '.join(unknown)}", file=sys.stderr)
        return 2
    runner = Manager()
    for name in names or processes:
        runner.add_process(name, processes[name], cwd=str(REPO_ROOT))
    runner.loop()
    return runner.returncode


def main(argv: list[str]) -> int:
    command = argv[1:]
    if command == ["migrate"]:
        migrate()
        return 0
    if command[:1] == ["up"]:
        return up(command[1:])
    if command == ["check-ports"]:
        problems = port_problems()
    elif command == ["check-mysql-client"]:
        problems = [problem] if (problem := mysql_client_problem()) else []
    else:
        print(__doc__)
        return 2
    for problem in problems:
        print(f"make up: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
