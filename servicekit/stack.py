"""The whole system as processes: its Django projects, its database, and the
Procfile commands that run it. Used by `make migrate`/`make up` and by tests
that start the real processes.

    python -m servicekit.stack migrate    # create the database if missing, migrate every project
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url

from servicekit.config import REPO_ROOT, env

# Django projects in migration order (the gateway owns Django's own tables).
PROJECTS = ("gateway_project", "event_service", "ticket_service", "payment_service", "notify_service")
PROCFILE = REPO_ROOT / "Procfile"


def procfile_commands(path: Path = PROCFILE) -> dict[str, str]:
    """Process name -> shell command, as honcho reads them."""
    commands = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if match:
            commands[match.group(1)] = match.group(2).strip()
    return commands


def is_mysql(url: str) -> bool:
    return url.startswith(("mysql://", "mysql2://", "mysqlgis://"))


def _mysql_server(url: str):
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
    server, name = _mysql_server(url)
    with server:
        server.cursor().execute(
            f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )


def drop_database(url: str) -> None:
    if is_mysql(url):
        server, name = _mysql_server(url)
        with server:
            server.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    else:
        path = _sqlite_path(url)
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            candidate.unlink(missing_ok=True)


def mysql_connection(url: str):
    """A new autocommit connection (MySQLdb) to the MySQL database named in `url`."""
    server, name = _mysql_server(url)
    server.select_db(name)
    server.autocommit(True)
    return server


def kill_connections(url: str) -> int:
    """KILL every server connection using the MySQL database named in `url` (not this call's
    own); returns how many were killed. What a server restart or a network cut does to them."""
    server, name = _mysql_server(url)
    with server:
        cursor = server.cursor()
        cursor.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> CONNECTION_ID()", (name,))
        killed = 0
        for (connection_id,) in cursor.fetchall():
            try:
                cursor.execute(f"KILL {int(connection_id)}")
            except server.OperationalError:
                continue  # it ended on its own meanwhile
            killed += 1
    return killed


def sibling_database_url(url: str, name: str) -> str:
    """`url` with its database (MySQL) or file (SQLite) renamed to `name`."""
    if is_mysql(url):
        return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    return f"sqlite:///{_sqlite_path(url).with_name(f'{name}.sqlite3')}"


def _sqlite_path(url: str) -> Path:
    return Path(dj_database_url.parse(url)["NAME"]).resolve()


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


def main(argv: list[str]) -> int:
    if argv[1:] == ["migrate"]:
        migrate()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
