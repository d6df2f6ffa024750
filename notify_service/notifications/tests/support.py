"""Shared helpers of the notification tests: a real SMTP server, in-process stand-ins of the
events and tickets gRPC services (real gRPC on a loopback port, serving what a test put in),
and a broker queue of the test class's own, which tests read and whose tasks they run here.

The processes of the real services, worker included, are in test_end_to_end.py.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.test import TransactionTestCase, override_settings

from devkit.smtp import SmtpServer
from notify_service.celery import app as worker_app
from notify_service.notifications import tasks as _registers_the_tasks  # noqa: F401
from notify_service.notifications.emails import event_snapshot
from notify_service.notifications.models import Notification
from protos.events.v1 import events_pb2, events_pb2_grpc
from protos.tickets.v1 import tickets_pb2, tickets_pb2_grpc
from servicekit import tasks
from servicekit.errors import NotFound
from servicekit.grpc_server import start_server
from servicekit.timestamps import from_timestamp, to_timestamp

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line-by-line session log


def from_now(**delta) -> datetime:
    """An aware UTC time `delta` away from now."""
    return datetime.now(UTC) + timedelta(**delta)


# --- SMTP ----------------------------------------------------------------------------------------


# --- stand-ins of the events and tickets services ------------------------------------------------


class _Events(events_pb2_grpc.EventServiceServicer):
    def __init__(self, fake: FakeServices):
        self.fake = fake

    def GetEvent(self, request, context):
        if request.id not in self.fake.events:
            raise NotFound("No such event.")
        return self.fake.events[request.id]

    def ListEvents(self, request, context):
        """Published events not started yet, in the window, by (starts_at, id); the token is an offset."""
        now = datetime.now(UTC)
        after = from_timestamp(request.starts_after) if request.HasField("starts_after") else None
        before = from_timestamp(request.starts_before) if request.HasField("starts_before") else None
        listed = sorted(
            (
                e
                for e in self.fake.events.values()
                if e.status == events_pb2.EVENT_STATUS_PUBLISHED
                and from_timestamp(e.starts_at) > now
                and (after is None or from_timestamp(e.starts_at) >= after)
                and (before is None or from_timestamp(e.starts_at) < before)
            ),
            key=lambda e: (from_timestamp(e.starts_at), e.id),
        )
        offset = int(request.page_token or 0)
        size = request.page_size or 20
        page = listed[offset : offset + size]
        more = offset + size < len(listed)
        return events_pb2.ListEventsResponse(events=page, next_page_token=str(offset + size) if more else "")


class _Tickets(tickets_pb2_grpc.TicketServiceServicer):
    def __init__(self, fake: FakeServices):
        self.fake = fake

    def ListEventBuyers(self, request, context):
        """The event's buyers by email, keyset-paginated by email like the real service."""
        with self.fake.lock:
            self.fake.buyer_pages.append((request.event_id, request.page_size, request.page_token))
        buyers = sorted(self.fake.buyers.get(request.event_id, []), key=lambda b: b.email)
        if request.page_token:
            buyers = [b for b in buyers if b.email > request.page_token]
        size = request.page_size or 500
        page = buyers[:size]
        return tickets_pb2.ListEventBuyersResponse(
            buyers=page, next_page_token=page[-1].email if len(buyers) > size else ""
        )


class FakeServices:
    """EventService (GetEvent, ListEvents) and TicketService (ListEventBuyers) served over real
    gRPC from this process, answering from what the test added; records the buyer pages asked."""

    def __init__(self):
        self.events: dict[int, events_pb2.Event] = {}
        self.buyers: dict[int, list[tickets_pb2.Buyer]] = {}
        self.buyer_pages: list[tuple[int, int, str]] = []
        self.lock = threading.Lock()
        self._next_event_id = 1

    def start(self) -> FakeServices:
        def handlers(server):
            events_pb2_grpc.add_EventServiceServicer_to_server(_Events(self), server)
            tickets_pb2_grpc.add_TicketServiceServicer_to_server(_Tickets(self), server)

        self.server = start_server(handlers, "127.0.0.1:0", max_workers=8)
        self.target = f"127.0.0.1:{self.server.port}"
        return self

    def stop(self) -> None:
        self.server.stop(None).wait(5)

    def reset(self) -> None:
        self.events.clear()
        self.buyers.clear()
        self.buyer_pages.clear()

    def add_event(
        self,
        *,
        name: str = "Jazz night",
        venue: str = "Blue Room, 5 Rue Oberkampf",
        timezone: str = "Europe/Paris",
        starts_at: datetime | None = None,
        cancelled: bool = False,
        version: int = 1,
    ) -> events_pb2.Event:
        starts_at = starts_at or from_now(days=30)
        event = events_pb2.Event(
            id=self._next_event_id,
            organizer_id=7,
            name=name,
            venue=venue,
            timezone=timezone,
            starts_at=to_timestamp(starts_at),
            ends_at=to_timestamp(starts_at + timedelta(hours=3)),
            status=events_pb2.EVENT_STATUS_CANCELLED if cancelled else events_pb2.EVENT_STATUS_PUBLISHED,
            version=version,
        )
        self._next_event_id += 1
        self.events[event.id] = event
        return event

    def add_buyers(self, event_id: int, count: int, *, amount_paid: str = "60.00", currency: str = "EUR") -> list:
        """`count` buyers of the event (buyer0001@example.com, ...), two tickets each."""
        added = [
            tickets_pb2.Buyer(
                email=f"buyer{n:05d}-{event_id}@example.com",
                full_name=f"Buyer {n}",
                amount_paid=amount_paid,
                currency=currency,
                tickets=2,
            )
            for n in range(1, count + 1)
        ]
        self.buyers.setdefault(event_id, []).extend(added)
        return added


# --- the broker ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    task: str
    args: tuple
    kwargs: dict


def drain_queue() -> list[Published]:
    """Take every message off the queue tasks are published to (this class's own)."""
    app = tasks.publisher()
    with app.connection_for_read() as connection:
        queue = app.amqp.queues[app.conf.task_default_queue].bind(connection.default_channel)
        queue.declare()
        published = []
        while (message := queue.get(no_ack=True)) is not None:
            args, kwargs, _ = message.decode()
            published.append(Published(message.headers["task"], tuple(args), kwargs))
        return published


def delete_queue() -> None:
    app = tasks.publisher()
    with app.connection_for_write() as connection:
        queue = app.amqp.queues[app.conf.task_default_queue].bind(connection.default_channel)
        queue.delete()


# --- the base test case --------------------------------------------------------------------------


class NotificationTestCase(TransactionTestCase):
    """Emails go to a real SMTP server, the events and tickets services are stand-ins served
    over gRPC, and published tasks go to a broker queue of this class's own, from which
    `run_published` runs them here as a worker would.

    TransactionTestCase: concurrent deliveries run in threads with their own connections.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp = SmtpServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.services = FakeServices().start()
        cls.addClassCleanup(cls.services.stop)
        cls.enterClassContext(
            override_settings(
                EMAIL_BACKEND=SMTP_BACKEND,
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=cls.smtp.port,
                EMAIL_MAX_ATTEMPTS=3,
                EMAIL_RETRY_BACKOFF_SECONDS=5,
                GRPC_ADDRS={**settings.GRPC_ADDRS, "events": cls.services.target, "tickets": cls.services.target},
                CELERY_TASK_DEFAULT_QUEUE=f"test-notifications-{uuid.uuid4().hex[:12]}",
            )
        )
        tasks.publisher.cache_clear()  # the next publisher reads this class's queue
        cls.addClassCleanup(tasks.publisher.cache_clear)
        cls.addClassCleanup(delete_queue)

    def setUp(self):
        super().setUp()
        self.smtp.clear()
        self.smtp.delay = 0.0
        self.services.reset()
        drain_queue()

    def published(self) -> list[Published]:
        """What was published since the last look (taken off the queue)."""
        return drain_queue()

    def run_published(self, skip: tuple[str, ...] = ()) -> list[Published]:
        """Run here, as a worker would, every task on the queue and every task those publish, until
        none is left, except those named in `skip` (returned with the rest, unrun)."""
        ran = []
        while batch := drain_queue():
            for message in batch:
                ran.append(message)
                if message.task not in skip:
                    worker_app.tasks[message.task].apply(args=message.args, kwargs=message.kwargs, throw=True)
        return ran

    def notification(self, dedupe_key: str) -> Notification:
        return Notification.objects.get(dedupe_key=dedupe_key)

    def make_notification(self, **fields) -> Notification:
        """A recorded order confirmation (two tickets), pending unless told otherwise."""
        event = fields.pop("event", None) or self.services.add_event()
        order_id = fields.pop("order_id", Notification.objects.count() + 1)
        fields.setdefault("dedupe_key", f"order_confirmation:{order_id}")
        fields.setdefault("kind", Notification.Kind.ORDER_CONFIRMATION)
        fields.setdefault("recipient", f"ann-{order_id}@example.com")
        fields.setdefault("subject", f"Your tickets for {event.name}")
        fields.setdefault(
            "context",
            {
                "order_id": order_id,
                "full_name": "Ann Smith",
                "total": "60.00",
                "currency": "EUR",
                "tickets": [{"id": 1, "code": "CODE-ONE"}, {"id": 2, "code": "CODE-TWO"}],
                "event": event_snapshot(event),
            },
        )
        return Notification.objects.create(**fields)
