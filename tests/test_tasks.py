"""servicekit.tasks: what a published task shows to monitoring (Celery's events, Flower).

python gateway_project/manage.py test tests.test_tasks
"""

import uuid

from django.test import SimpleTestCase, override_settings

from servicekit import tasks

ORDER_PAID = {"order_id": 7, "event_id": 3, "email": "ann@example.com", "full_name": "Ann", "tickets": [{"id": 1}]}


class KwargsSummaryTests(SimpleTestCase):
    def test_monitoring_shows_a_tasks_ids_and_nothing_of_its_buyer(self):
        self.assertEqual(tasks.kwargs_summary(ORDER_PAID), "{'order_id': 7, 'event_id': 3}")


class PublishedSummaryTests(SimpleTestCase):
    def setUp(self):
        queue = f"test-tasks-{uuid.uuid4().hex[:12]}"
        self.enterContext(override_settings(CELERY_TASK_DEFAULT_QUEUE=queue))
        tasks.publisher.cache_clear()
        self.addCleanup(tasks.publisher.cache_clear)
        self.addCleanup(self.delete_queue)

    def queue(self, connection):
        app = tasks.publisher()
        return app.amqp.queues[app.conf.task_default_queue].bind(connection.default_channel)

    def delete_queue(self):
        with tasks.publisher().connection_for_write() as connection:
            self.queue(connection).delete()

    def test_a_confirmed_publish_carries_the_summary_as_its_kwargs_repr(self):
        tasks.publish_confirmed("notifications.order_paid", ORDER_PAID)

        with tasks.publisher().connection_for_read() as connection:
            queue = self.queue(connection)
            queue.declare()
            message = queue.get(no_ack=True)
        self.assertEqual(message.headers["kwargsrepr"], "{'order_id': 7, 'event_id': 3}")
        self.assertEqual(message.decode()[1], ORDER_PAID)  # the task itself gets every argument

    def test_a_publish_carries_the_summary_as_its_kwargs_repr(self):
        tasks.publish("notifications.event_cancelled", event_id=3, event={"name": "Jazz night"})

        with tasks.publisher().connection_for_read() as connection:
            queue = self.queue(connection)
            queue.declare()
            message = queue.get(no_ack=True)
        self.assertEqual(message.headers["kwargsrepr"], "{'event_id': 3}")
