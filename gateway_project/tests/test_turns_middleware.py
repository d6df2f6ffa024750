"""The gateway runs at most RUNNING_CALLS requests of a worker at once (TurnsMiddleware); the others
wait for a turn before any call to a service starts its deadline. Health checks never wait."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from gateway_project.api.middleware import TurnsMiddleware


@override_settings(RUNNING_CALLS=1)
class TurnsMiddlewareTest(SimpleTestCase):
    def setUp(self):
        self.running, self.release = threading.Semaphore(0), threading.Event()

        def view(request):
            self.running.release()
            self.release.wait(10)
            return HttpResponse("done")

        self.middleware = TurnsMiddleware(view)
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.addCleanup(self.pool.shutdown)
        self.addCleanup(self.release.set)  # first: the views held end, then the pool

    def request(self, path: str):
        return self.pool.submit(self.middleware, RequestFactory().get(path))

    def test_the_middleware_is_installed_right_after_the_metrics(self):
        names = settings.MIDDLEWARE
        self.assertEqual(names.index("gateway_project.api.middleware.TurnsMiddleware"), 2)

    def test_a_request_beyond_running_calls_waits_for_a_turn(self):
        first = self.request("/api/events/")
        self.assertTrue(self.running.acquire(timeout=5))
        second = self.request("/api/events/")

        self.assertFalse(self.running.acquire(timeout=0.3))
        self.release.set()
        self.assertEqual([first.result().status_code, second.result().status_code], [200, 200])

    def test_a_health_check_runs_while_every_turn_is_taken(self):
        self.request("/api/events/")
        self.assertTrue(self.running.acquire(timeout=5))

        self.request("/api/health/")
        self.assertTrue(self.running.acquire(timeout=5))
