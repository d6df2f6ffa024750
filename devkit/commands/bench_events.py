"""Events for `make bench`'s listing scenarios: many published, upcoming events at once.

    python -m devkit.run event_service devkit.commands.bench_events --count 99000 --organizer-id 7

Bulk inserts through the events app's own model (the events service owns the table), in
batches, starting one minute apart from a day ahead, after any events already there.
Prints how many events the table holds afterwards.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max
from django.utils import timezone

from event_service.events.models import Event

BATCH = 5000


class Command(BaseCommand):
    help = "Bulk-create published upcoming events (for benchmarks of the listing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--organizer-id", type=int, required=True)

    def handle(self, *args, count: int, organizer_id: int, **options) -> None:
        if count < 0:
            raise CommandError("--count must not be negative.")
        soonest = timezone.now() + timedelta(days=1)
        last = Event.objects.aggregate(last=Max("starts_at"))["last"]
        first = max(soonest, last) if last else soonest
        for start in range(0, count, BATCH):
            events = []
            for n in range(start, min(start + BATCH, count)):
                starts_at = first + timedelta(minutes=n + 1)
                events.append(
                    Event(
                        organizer_id=organizer_id,
                        name=f"Bench event {n + 1}",
                        description="Made by make bench.",
                        venue="Bench Hall",
                        starts_at=starts_at,
                        ends_at=starts_at + timedelta(hours=2),
                    )
                )
            Event.objects.bulk_create(events)
        self.stdout.write(str(Event.objects.count()))
