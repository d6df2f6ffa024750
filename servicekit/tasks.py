"""Celery wiring shared by the worker and every producer. Producers publish
tasks by name (``publish("notifications.ping", ...)``) and never import the
worker's code."""

from __future__ import annotations

from functools import cache

from celery import Celery


def celery_app(name: str) -> Celery:
    """A Celery app configured from the Django settings' CELERY_* values."""
    app = Celery(name)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    return app


@cache
def publisher() -> Celery:
    return celery_app("microtix-publisher")


def publish(task_name: str, *args, **kwargs) -> None:
    """Send the task named `task_name` to the broker (Celery retries a failed connection)."""
    publisher().send_task(task_name, args=args, kwargs=kwargs)


def publish_confirmed(task_name: str, kwargs: dict) -> None:
    """Send the task and return only once the broker has it; raise at once if it cannot
    (the outbox relay keeps the message and tries again later)."""
    publisher().send_task(task_name, kwargs=kwargs, retry=False)
