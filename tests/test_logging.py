"""The log format every process shares (servicekit.logging_config) and the request id it
carries (servicekit.tracing), down to the unit: the filter, both formatters, the settings."""

import io
import json
import logging
import re
from types import SimpleNamespace

from django.test import SimpleTestCase
from kombu import Connection

from servicekit import tasks, tracing
from servicekit.config import ENV_VARS
from servicekit.identity import REQUEST_ID_KEY, Caller
from servicekit.logging_config import (
    JsonFormatter,
    PlainFormatter,
    RequestIdFilter,
    gunicorn_logging_config,
    logging_config,
)

HEX_ID = re.compile(r"[0-9a-f]{32}")


class CapturingTestCase(SimpleTestCase):
    """Logs through a handler set up like the processes' (filter on the handler) into a buffer."""

    formatter: logging.Formatter = JsonFormatter()

    def setUp(self):
        self.stream = io.StringIO()
        handler = logging.StreamHandler(self.stream)
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(self.formatter)
        self.logger = logging.getLogger(f"microtix.test.{self.id()}")
        self.logger.handlers = [handler]
        self.logger.propagate = False
        self.logger.setLevel(logging.DEBUG)

    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.lines()]


class JsonFormatterTest(CapturingTestCase):
    def test_a_record_is_one_json_object_with_the_fields(self):
        with tracing.request_id_context("req-1"):
            self.logger.warning("order %s paid", 42)

        [record] = self.records()
        self.assertEqual(set(record), {"timestamp", "level", "logger", "message", "request_id"})
        self.assertEqual(record["level"], "WARNING")
        self.assertEqual(record["logger"], self.logger.name)
        self.assertEqual(record["message"], "order 42 paid")
        self.assertEqual(record["request_id"], "req-1")
        self.assertRegex(record["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_outside_a_request_the_id_is_a_dash(self):
        self.logger.info("started")
        self.assertEqual(self.records()[0]["request_id"], "-")

    def test_an_exception_stays_on_one_line_with_its_traceback(self):
        try:
            raise ValueError("bad\nthing")
        except ValueError:
            self.logger.exception("it failed\nbadly")

        [line] = self.lines()
        record = json.loads(line)
        self.assertEqual(record["message"], "it failed\nbadly")
        self.assertIn("Traceback (most recent call last)", record["exception"])
        self.assertIn("ValueError: bad\nthing", record["exception"])

    def test_an_explicit_request_id_wins(self):
        with tracing.request_id_context("current"):
            self.logger.info("relayed", extra={"request_id": "explicit"})
        self.assertEqual(self.records()[0]["request_id"], "explicit")

    def test_a_record_about_a_django_request_takes_its_id(self):
        # django.request writes "Not Found: ..." after the middleware returned (no current id).
        self.logger.warning("Not Found: /x", extra={"request": SimpleNamespace(request_id="from-request")})
        self.assertEqual(self.records()[0]["request_id"], "from-request")

    def test_gunicorn_access_lines_take_the_answered_x_request_id(self):
        access = logging.getLogger("gunicorn.access")
        saved = access.handlers, access.propagate, access.level
        self.addCleanup(lambda: (setattr(access, "handlers", saved[0]), setattr(access, "propagate", saved[1])))
        self.addCleanup(access.setLevel, saved[2])
        access.handlers, access.propagate = self.logger.handlers, False
        access.setLevel(logging.INFO)

        atoms = {"h": "127.0.0.1", "r": "GET / HTTP/1.1", "s": "200", "{x-request-id}o": "a1"}
        access.info('%(h)s "%(r)s" %(s)s', atoms)  # how gunicorn logs an access line

        [record] = self.records()
        self.assertEqual((record["message"], record["request_id"]), ('127.0.0.1 "GET / HTTP/1.1" 200', "a1"))

    def test_non_ascii_and_objects_do_not_break_the_line(self):
        self.logger.info("caf\u00e9 %s", object())
        [line] = self.lines()
        self.assertTrue(json.loads(line)["message"].startswith("caf\u00e9 <object object"))


class PlainFormatterTest(CapturingTestCase):
    formatter = PlainFormatter()

    def test_the_plain_line_carries_the_request_id(self):
        with tracing.request_id_context("req-9"):
            self.logger.info("hello")
        self.logger.info("bye")
        first, second = self.lines()
        self.assertRegex(first, rf"^\S+ \S+ INFO {re.escape(self.logger.name)} \[req-9\] hello$")
        self.assertTrue(second.endswith(f"INFO {self.logger.name} [-] bye"))

    def test_a_record_that_skipped_the_filter_still_formats(self):
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "no filter", None, None)
        self.assertTrue(PlainFormatter().format(record).endswith("INFO x [-] no filter"))


class LoggingSettingsTest(SimpleTestCase):
    def test_every_handler_adds_the_request_id_and_uses_the_chosen_format(self):
        for log_format in ("plain", "json"):
            for config in (logging_config(log_format, "INFO"), gunicorn_logging_config(log_format, "INFO")):
                with self.subTest(log_format=log_format):
                    for handler in config["handlers"].values():
                        self.assertEqual(handler["filters"], ["request_id"])
                        self.assertEqual(handler["formatter"], log_format)

    def test_gunicorn_logs_go_through_the_same_handler_once(self):
        loggers = gunicorn_logging_config("json", "INFO")["loggers"]
        for name in ("gunicorn.error", "gunicorn.access"):
            self.assertEqual((loggers[name]["handlers"], loggers[name]["propagate"]), (["console"], False))

    def test_an_unknown_format_is_refused(self):
        with self.assertRaisesMessage(ValueError, "LOG_FORMAT"):
            logging_config("xml", "INFO")


class RequestIdTest(SimpleTestCase):
    def test_valid_ids_are_1_to_64_visible_ascii_characters(self):
        for good in ["a", "x" * 64, "0f8fad5b-d9cb-469f-a165-70867728950e", "A_b.c:d/e+f=!~"]:
            self.assertTrue(tracing.is_valid(good), good)
        for bad in ["", None, "x" * 65, "two words", "tab\t", "line\n", "nul\x00", "caf\u00e9", "\x7f"]:
            self.assertFalse(tracing.is_valid(bad), repr(bad))

    def test_accept_keeps_a_valid_id_and_replaces_others_with_a_fresh_one(self):
        self.assertEqual(tracing.accept("abc"), "abc")
        self.assertRegex(tracing.accept("x" * 65), HEX_ID)
        self.assertNotEqual(tracing.accept(None), tracing.accept(None))

    def test_the_context_sets_and_restores(self):
        self.assertEqual(tracing.current_request_id(), "")
        with tracing.request_id_context("outer"):
            with tracing.request_id_context("inner"):
                self.assertEqual(tracing.current_request_id(), "inner")
            self.assertEqual(tracing.current_request_id(), "outer")
        self.assertEqual(tracing.current_request_id(), "")

    def test_grpc_calls_carry_the_callers_id_else_the_current_one_else_a_fresh_one(self):
        def sent(caller: Caller) -> str:
            return dict(caller.to_metadata())[REQUEST_ID_KEY]

        with tracing.request_id_context("current"):
            self.assertEqual(sent(Caller(request_id="explicit")), "explicit")
            self.assertEqual(sent(Caller(user_id=3, role="customer")), "current")
        self.assertRegex(sent(Caller()), HEX_ID)
        self.assertEqual(Caller.from_metadata(Caller(request_id="round").to_metadata()).request_id, "round")

    def test_published_tasks_carry_the_current_id_in_a_header(self):
        headers = {"task": "notifications.ping", "id": "1"}
        with tracing.request_id_context("pub-1"):
            tasks._carry_request_id(headers=headers)
            self.assertEqual(tasks._headers(), {"request_id": "pub-1"})
            self.assertEqual(tasks._headers("relayed"), {"request_id": "relayed"})
        self.assertEqual(headers["request_id"], "pub-1")
        given = {"request_id": "given"}
        with tracing.request_id_context("other"):
            tasks._carry_request_id(headers=given)
        self.assertEqual(given, {"request_id": "given"})
        self.assertEqual(tasks._headers(), {})  # outside a request: no header


class TaskRequestIdTest(SimpleTestCase):
    """A task runs with its message's request id current (Celery signals), eagerly here."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tasks.trace_worker_tasks()
        cls.app = tasks.celery_app("test-tracing")
        cls.app.conf.task_always_eager = True

        @cls.app.task(name="test.current_request_id")
        def current():
            return tracing.current_request_id()

        cls.task = current

    def setUp(self):
        self.enterContext(self.assertLogs("celery.app.trace", "INFO"))  # "Task ... succeeded", off the output

    def test_the_header_is_current_while_the_task_runs(self):
        self.assertEqual(self.task.apply(headers={"request_id": "task-1"}).get(), "task-1")
        self.assertEqual(tracing.current_request_id(), "")

    def test_a_task_without_an_id_gets_a_fresh_one(self):
        self.assertRegex(self.task.apply().get(), HEX_ID)
        self.assertEqual(tracing.current_request_id(), "")


class BrokerConnectionLogTest(SimpleTestCase):
    def test_the_default_broker_connects_without_a_no_hostname_warning(self):
        # kombu warns "No hostname was supplied" at every connection to a URL without a host.
        connection = Connection(
            ENV_VARS["CELERY_BROKER_URL"].default,
            transport_options={"data_folder_in": "/nonexistent", "data_folder_out": "/nonexistent"},
        )

        with self.assertNoLogs("kombu.connection", "WARNING"):
            connection.info()
            connection.clone().info()
