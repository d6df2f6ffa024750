"""Databases of test and benchmark stacks: a sibling database per stack (dropped afterwards),
connections of a test's own beside the code under test, and the faults a database can cause
(every connection KILLed, as a failover or a network cut does)."""

from __future__ import annotations

import unittest
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.test.utils import CaptureQueriesContext

from servicekit.config import env
from servicekit.stack import is_mysql, mysql_server


def only_on_mysql(reason: str):
    """Skip the decorated test case unless the tests run on MySQL/MariaDB (DATABASE_URL): races,
    deadlocks and the connection cap need a server that runs transactions side by side."""
    return unittest.skipUnless(is_mysql(env("DATABASE_URL")), reason)


def sibling_database_url(url: str, name: str) -> str:
    """`url` with its database (MySQL) or file (SQLite) renamed to `name`."""
    if is_mysql(url):
        return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    return f"sqlite:///{_sqlite_path(url).with_name(f'{name}.sqlite3')}"


def drop_database(url: str) -> None:
    if is_mysql(url):
        server, name = mysql_server(url)
        with server:
            server.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    else:
        path = _sqlite_path(url)
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            candidate.unlink(missing_ok=True)


def _sqlite_path(url: str) -> Path:
    return Path(dj_database_url.parse(url)["NAME"]).resolve()


def mysql_connection(url: str):
    """A new autocommit connection (MySQLdb) to the MySQL database named in `url`."""
    server, name = mysql_server(url)
    server.select_db(name)
    server.autocommit(True)
    return server


def kill_connections(url: str) -> int:
    """KILL every server connection using the MySQL database named in `url` (not this call's
    own); returns how many were killed. What a server restart or a network cut does to them."""
    server, name = mysql_server(url)
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


def raw_mysql_connection():
    """A connection of its own to this process's MySQL database (a test's: the test database),
    outside Django's and isolated as the services' are, to hold locks against the code under test."""
    import MySQLdb
    from django.db import connection

    settings = connection.settings_dict
    return MySQLdb.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=int(settings["PORT"] or 3306),
        user=settings["USER"],
        password=settings["PASSWORD"],
        database=settings["NAME"],
        autocommit=False,
        init_command="SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    )


def lock_waits(cursor) -> int:
    """Transactions of the cursor's database waiting for a lock. InnoDB refreshes what this reads
    only once nobody read it for 0.1 s: poll it less often than that."""
    cursor.execute(
        "SELECT COUNT(*) FROM information_schema.innodb_trx t JOIN information_schema.processlist p "
        "ON p.id = t.trx_mysql_thread_id WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE()"
    )
    return cursor.fetchone()[0]


def statement_kinds(queries: CaptureQueriesContext) -> list[str]:
    """Each captured statement as its verb and table, e.g. "UPDATE tickets_tickettype", "BEGIN"."""
    kinds = []
    for query in queries.captured_queries:
        words = query["sql"].replace("`", "").split()
        verb = words[0].upper()
        if verb == "UPDATE":
            table = words[1]
        else:
            table = next((words[i + 1] for i, word in enumerate(words[:-1]) if word.upper() in ("FROM", "INTO")), "")
        kinds.append(f"{verb} {table}".strip())
    return kinds
