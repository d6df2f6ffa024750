"""Celery tasks of the notification worker. Producers publish them by name, never by import."""

from celery import shared_task


@shared_task(name="notifications.ping")
def ping(payload: str = "") -> str:
    """Answer `pong`: lets operators and tests check that a published task reaches the worker."""
    return f"pong {payload}".strip()
