from django.test import SimpleTestCase

from notify_service.celery import app


class WorkerConfigurationTest(SimpleTestCase):
    # Delivery through a real broker and worker process: tests/test_e2e.py.

    def test_messages_are_acknowledged_only_after_the_task_ran(self):
        self.assertTrue(app.conf.task_acks_late)
        self.assertTrue(app.conf.task_reject_on_worker_lost)
        self.assertEqual(app.conf.worker_prefetch_multiplier, 1)

    def test_ping_task_is_registered_under_its_public_name(self):
        app.loader.import_default_modules()  # what the worker does at start: autodiscover tasks
        self.assertEqual(app.tasks["notifications.ping"]("x"), "pong x")
