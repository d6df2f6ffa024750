from datetime import timedelta

from django.test import SimpleTestCase

from notify_service.celery import app

PUBLIC_TASKS = (
    "notifications.order_paid",
    "notifications.event_updated",
    "notifications.event_cancelled",
    "notifications.send_reminders",
    "notifications.send",
)


class WorkerConfigurationTest(SimpleTestCase):
    # Delivery through a real broker and worker process: test_end_to_end.py (and tests/test_e2e.py).

    def test_messages_are_acknowledged_only_after_the_task_ran(self):
        self.assertTrue(app.conf.task_acks_late)
        self.assertTrue(app.conf.task_reject_on_worker_lost)
        self.assertEqual(app.conf.worker_prefetch_multiplier, 1)

    def test_ping_task_is_registered_under_its_public_name(self):
        app.loader.import_default_modules()  # what the worker does at start: autodiscover tasks
        self.assertEqual(app.tasks["notifications.ping"]("x"), "pong x")

    def test_the_tasks_producers_publish_are_registered_under_their_public_names(self):
        app.loader.import_default_modules()
        for name in PUBLIC_TASKS:
            self.assertIn(name, app.tasks)

    def test_beat_runs_send_reminders_every_ten_minutes(self):
        schedule = app.conf.beat_schedule["send-reminders"]

        self.assertEqual(schedule["task"], "notifications.send_reminders")
        self.assertEqual(timedelta(seconds=schedule["schedule"]), timedelta(minutes=10))

    def test_beat_queues_lost_sends_again_every_ten_minutes(self):
        schedule = app.conf.beat_schedule["requeue-stalled"]

        self.assertEqual(schedule["task"], "notifications.requeue_stalled")
        self.assertEqual(timedelta(seconds=schedule["schedule"]), timedelta(minutes=10))
