"""Celery wiring shared by the worker and every producer. Producers publish
tasks by name (``publish("notifications.ping", ...)``) and never import the
worker's code.

Every task carries the request id of the request that caused it in the ``request_id`` message
header (servicekit.tracing). The worker makes it current while the task runs
(`trace_worker_tasks`), so the task's log lines, its gRPC calls and the tasks it publishes in
turn carry it too.
"""

from __future__ import annotations

from contextvars import Token
from functools import cache

from celery import Celery, signals
from celery.contrib.django.task import DjangoTask
from celery.worker.request import Request

from servicekit import tracing

REQUEST_ID_HEADER = "request_id"


class TracedRequest(Request):
    """A received task message, in the worker's main process. The consumer logs "Task ...
    received" right after building it: the task's request id is current for that line (and
    cleared again by the task_received signal, sent right after)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request_id = self.request_dict.get(REQUEST_ID_HEADER)
        tracing.set_request_id(request_id if tracing.is_valid(request_id) else "")


class TracedTask(DjangoTask):
    """The base of every MicroTix task (Django's, which Celery would use otherwise)."""

    Request = "servicekit.tasks:TracedRequest"


def celery_app(name: str) -> Celery:
    """A Celery app configured from the Django settings' CELERY_* values."""
    app = Celery(name, task_cls=TracedTask)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    return app


@cache
def publisher() -> Celery:
    return celery_app("microtix-publisher")


def _headers(request_id: str | None = None) -> dict[str, str]:
    request_id = request_id or tracing.current_request_id()
    return {REQUEST_ID_HEADER: request_id} if tracing.is_valid(request_id) else {}


def publish(task_name: str, *args, **kwargs) -> None:
    """Send the task named `task_name` to the broker (Celery retries a failed connection),
    with the current request id."""
    publisher().send_task(task_name, args=args, kwargs=kwargs, headers=_headers(), kwargsrepr=kwargs_summary(kwargs))


def publish_later(countdown: float, task_name: str, *args) -> None:
    """`publish`, for the task to run `countdown` seconds from now."""
    publisher().send_task(task_name, args=args, countdown=countdown, headers=_headers())


def publish_confirmed(task_name: str, kwargs: dict, request_id: str | None = None) -> None:
    """Send the task and return only once the broker has it; raise at once if it cannot
    (the outbox relay keeps the message and tries again later). It carries `request_id`,
    by default the current one."""
    publisher().send_task(
        task_name, kwargs=kwargs, retry=False, headers=_headers(request_id), kwargsrepr=kwargs_summary(kwargs)
    )


def kwargs_summary(kwargs: dict) -> str:
    """What monitoring (Celery's events, Flower) shows of a task's keyword arguments: its ids. Celery's
    own is the whole of them, buyers' names and emails included, and a fifth of a publish's CPU."""
    return repr({name: value for name, value in kwargs.items() if name == "id" or name.endswith("_id")})


def task_request_id(task) -> str:
    """The request id a task message carried ("" if none)."""
    request = task.request
    request_id = request.get(REQUEST_ID_HEADER) or (request.headers or {}).get(REQUEST_ID_HEADER)
    return request_id if tracing.is_valid(request_id) else ""


@signals.before_task_publish.connect
def _carry_request_id(headers=None, **_):
    """Whatever publishes a task (a retry, a canvas), it carries the current request id,
    unless it was given one."""
    if headers is not None and not headers.get(REQUEST_ID_HEADER):
        headers.update(_headers())


_running: dict[str, Token] = {}  # task id -> the context token to restore when it ends


def _task_started(task_id=None, task=None, **_):
    _running[task_id] = tracing.set_request_id(task_request_id(task) or tracing.new_request_id())


def _task_finished(task_id=None, **_):
    token = _running.pop(task_id, None)
    if token is not None:
        tracing.reset_request_id(token)


def _task_received(**_):
    tracing.set_request_id("")  # the main process's "received" line is written: no request here any more


def trace_worker_tasks() -> None:
    """In the worker: each task runs with its message's request id current (a fresh id if it
    carried none, e.g. beat's tasks)."""
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="microtix-task-started")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="microtix-task-finished")
    signals.task_received.connect(_task_received, weak=False, dispatch_uid="microtix-task-received")
