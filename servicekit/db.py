"""Database errors every service treats alike."""

from __future__ import annotations

from django.db import OperationalError

# MySQL/MariaDB: ER_LOCK_DEADLOCK (this transaction was the deadlock's victim) and ER_LOCK_WAIT_TIMEOUT.
LOCK_CONFLICT_CODES = frozenset({1213, 1205})


def is_lock_conflict(exc: BaseException) -> bool:
    """True for a transaction rolled back because of another's locks: trying it again may succeed."""
    return isinstance(exc, OperationalError) and bool(exc.args) and exc.args[0] in LOCK_CONFLICT_CODES
