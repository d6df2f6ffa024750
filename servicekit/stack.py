"""The whole system's Django projects and its database, as `make migrate` (and `make up`, the
compose file's and the Kubernetes Job's `migrate`) set them up.

    python -m servicekit.stack migrate    # create the database if missing, migrate every project
"""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit

from servicekit.config import REPO_ROOT, env

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


def main(argv: list[str]) -> int:
    if argv[1:] == ["migrate"]:
        migrate()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
