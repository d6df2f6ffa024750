"""Event changes promise their notifications through the outbox, in the same transaction."""

import os
from unittest import mock

from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext

from devkit.databases import statement_kinds
from devkit.net import free_port
from event_service.events import services
from event_service.events.models import Event, OutboxMessage
from event_service.events.tests.support import ORGANIZER, EventServiceWithTicketsTestCase, from_now, make_event
from servicekit import outbox, tasks
from servicekit.errors import InvalidInput
from servicekit.timestamps import to_timestamp


class OutboxOnUpdateTests(EventServiceWithTicketsTestCase):
    def test_changing_name_and_time_records_one_event_updated_task_with_old_and_new_values(self):
        row = make_event(name="Jazz night")
        new_start = from_now(days=20)

        event = self.call(
            "UpdateEvent",
            caller=ORGANIZER,
            id=row.id,
            name="Late jazz",
            starts_at=to_timestamp(new_start),
            ends_at=to_timestamp(from_now(days=21)),
        )

        [message] = OutboxMessage.objects.all()
        self.assertEqual(message.task_name, "notifications.event_updated")
        self.assertEqual(message.kwargs["event_id"], row.id)
        self.assertEqual(message.kwargs["version"], event.version)
        self.assertEqual(message.kwargs["changes"]["name"], ["Jazz night", "Late jazz"])
        self.assertEqual(message.kwargs["changes"]["starts_at"], [row.starts_at.isoformat(), new_start.isoformat()])

    def test_each_change_gets_a_new_version(self):
        row = make_event()

        first = self.call("UpdateEvent", caller=ORGANIZER, id=row.id, venue="Hall A")
        second = self.call("UpdateEvent", caller=ORGANIZER, id=row.id, venue="Hall B")

        self.assertEqual(second.version, first.version + 1)
        self.assertEqual([m.kwargs["version"] for m in OutboxMessage.objects.order_by("id")], [2, 3])

    def test_changing_only_the_description_records_no_notification(self):
        row = make_event()

        self.call("UpdateEvent", caller=ORGANIZER, id=row.id, description="Now with a support act")

        self.assertFalse(OutboxMessage.objects.exists())

    def test_setting_the_same_values_records_nothing(self):
        row = make_event(name="Same")

        self.call("UpdateEvent", caller=ORGANIZER, id=row.id, name="Same")

        self.assertFalse(OutboxMessage.objects.exists())

    def test_a_rejected_change_records_nothing(self):
        row = make_event()

        with self.assertRaises(InvalidInput):
            services.update_event(caller=ORGANIZER, event_id=row.id, changes={"name": "New", "ends_at": row.starts_at})

        self.assertFalse(OutboxMessage.objects.exists())
        self.assertEqual(Event.objects.get(pk=row.id).version, 1)


class RelayTests(TransactionTestCase):
    def setUp(self):
        tasks.publisher.cache_clear()
        self.addCleanup(tasks.publisher.cache_clear)

    def pending(self) -> int:
        return OutboxMessage.objects.filter(sent_at=None).count()

    def test_relay_publishes_pending_messages_in_order_and_marks_them_sent(self):
        for event_id in (1, 2, 3):
            OutboxMessage.objects.create(task_name="notifications.ping", kwargs={"payload": str(event_id)})

        with override_settings(CELERY_TASK_DEFAULT_QUEUE="outbox-test-relay"):
            self.assertEqual(services.relay_outbox(), 3)

        self.assertEqual(self.pending(), 0)
        self.assertEqual(services.relay_outbox(), 0)

    def test_relay_marks_a_batch_sent_in_one_statement(self):
        for event_id in (1, 2, 3):
            OutboxMessage.objects.create(task_name="notifications.ping", kwargs={"payload": str(event_id)})

        with (
            override_settings(CELERY_TASK_DEFAULT_QUEUE="outbox-test-relay"),
            CaptureQueriesContext(connection) as queries,
        ):
            services.relay_outbox()

        self.assertEqual(statement_kinds(queries).count("UPDATE events_outboxmessage"), 1)
        self.assertEqual(list(OutboxMessage.objects.values_list("attempts", flat=True)), [1, 1, 1])

    def test_a_failed_publish_leaves_its_message_and_the_later_ones_unsent_and_the_earlier_ones_sent(self):
        for event_id in (1, 2, 3):
            OutboxMessage.objects.create(task_name="notifications.ping", kwargs={"payload": str(event_id)})
        published = []

        def broker_fails_on_the_second(task_name, kwargs, request_id=None):
            if published:
                raise ConnectionError("broker gone")
            published.append(kwargs)
            tasks.publish_confirmed(task_name, kwargs, request_id=request_id)

        with (
            override_settings(CELERY_TASK_DEFAULT_QUEUE="outbox-test-relay"),
            mock.patch.object(outbox, "publish_confirmed", broker_fails_on_the_second),
        ):
            self.assertEqual(services.relay_outbox(), 1)

        rows = [(m.kwargs["payload"], m.sent_at is not None, m.attempts) for m in OutboxMessage.objects.order_by("id")]
        self.assertEqual(rows, [("1", True, 1), ("2", False, 1), ("3", False, 0)])  # (payload, sent, attempts)

    def test_relay_keeps_messages_while_the_broker_is_unreachable_and_sends_them_when_it_is_back(self):
        OutboxMessage.objects.create(task_name="notifications.ping", kwargs={"payload": "x"})

        unreachable = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
        # Celery lets the CELERY_BROKER_URL environment variable win over settings: change both.
        with (
            override_settings(CELERY_BROKER_URL=unreachable),
            mock.patch.dict(os.environ, CELERY_BROKER_URL=unreachable),
        ):
            tasks.publisher.cache_clear()
            self.assertEqual(services.relay_outbox(), 0)
        message = OutboxMessage.objects.get()
        self.assertIsNone(message.sent_at)
        self.assertEqual(message.attempts, 1)
        self.assertTrue(message.last_error)

        tasks.publisher.cache_clear()
        with override_settings(CELERY_TASK_DEFAULT_QUEUE="outbox-test-relay"):
            self.assertEqual(services.relay_outbox(), 1)
        self.assertEqual(self.pending(), 0)
