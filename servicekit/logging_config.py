"""How every MicroTix process logs: one line per record, carrying the request id, either plain
text or (LOG_FORMAT=json) one JSON object per line.

`logging_config()` is the dictConfig of the Django projects (base_settings.LOGGING, which the
Celery worker uses too); `gunicorn_logging_config()` routes gunicorn's own error and access
logs through the same handler.
"""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Mapping
from datetime import UTC, datetime

from servicekit.tracing import current_request_id

FORMATS = ("plain", "json")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
NO_REQUEST_ID = "-"
# gunicorn's access log atom for a response header; the gateway answers with X-Request-ID.
_ACCESS_LOG_REQUEST_ID = "{x-request-id}o"


def request_id_of(record: logging.LogRecord) -> str:
    """The request id a record belongs to: set explicitly (extra={"request_id": ...}), the
    current one, else the id of the request the record is about (Django's request log and
    gunicorn's access log are written after the request's context ended), else "-"."""
    explicit = getattr(record, "request_id", None)
    if explicit:
        return explicit
    current = current_request_id()
    if current:
        return current
    request = getattr(record, "request", None)  # django.request records: the HttpRequest
    if getattr(request, "request_id", None):
        return request.request_id
    if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
        value = record.args.get(_ACCESS_LOG_REQUEST_ID)
        if value and value != "-":
            return str(value)
    return NO_REQUEST_ID


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` (or "-") to every record; installed on the handlers, so
    records propagated from any logger get it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_of(record)
        return True


class PlainFormatter(logging.Formatter):
    """`PLAIN_FORMAT`; a record that did not pass the filter shows "-" as its request id."""

    def __init__(self, fmt: str = PLAIN_FORMAT, datefmt: str | None = None):
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_of(record)
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger, message,
    request_id, and the traceback as `exception` when there is one. Newlines inside the
    message or traceback are escaped, so a record is always exactly one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_of(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def configure(config: dict) -> None:
    """Django's LOGGING_CONFIG: apply `config`, and log Python warnings (py.warnings) through it
    too, so that even they are lines of the chosen format."""
    logging.config.dictConfig(config)
    logging.captureWarnings(True)


def _check(log_format: str) -> str:
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    return log_format


def _common(log_format: str) -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"plain": {"()": PlainFormatter}, "json": {"()": JsonFormatter}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": _check(log_format), "filters": ["request_id"]}
        },
    }


def logging_config(log_format: str, level: str) -> dict:
    """The LOGGING setting of a Django project (and so of the Celery worker)."""
    return {
        **_common(log_format),
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "INFO"}},
    }


def gunicorn_logging_config(log_format: str, level: str) -> dict:
    """gunicorn's `logconfig_dict`: its error and access logs through the same handler and
    format as the application's (the access log's request id is the X-Request-ID answered)."""
    return {
        **_common(log_format),
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
