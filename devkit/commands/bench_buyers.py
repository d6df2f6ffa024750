"""Buyers for `make bench`'s fan-out scenario: many paid orders of one free ticket type.

    python -m devkit.run ticket_service devkit.commands.bench_buyers --ticket-type 12 --count 5000

Each buyer (bench-buyer-<n>@example.com) gets one paid order of one line of one ticket, written in bulk
through the tickets app's own models. The type must be free: nothing was charged, so
cancelling the event refunds nothing through the payments service, and the seats are taken
by the same conditional UPDATE as a sale (never past capacity). No confirmation emails are
promised: the scenario measures the cancellation fan-out alone.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ticket_service.tickets.models import Order, OrderLine, Ticket, TicketType
from ticket_service.tickets.services.admission import new_ticket_code

BATCH = 1000
FIRST_USER_ID = 10_000_000  # buyers need no gateway account: emails are what the fan-out reads


class Command(BaseCommand):
    help = "Bulk-create paid one-ticket orders of a free ticket type, one buyer email each (benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ticket-type", type=int, required=True)
        parser.add_argument("--count", type=int, required=True)

    def handle(self, *args, ticket_type: int, count: int, **options) -> None:
        kind = TicketType.objects.filter(pk=ticket_type).first()
        if kind is None:
            raise CommandError(f"No ticket type {ticket_type}.")
        if kind.price != 0:
            raise CommandError("The ticket type must be free (price 0): these orders were never charged.")
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            with transaction.atomic():
                taken = TicketType.objects.filter(pk=kind.pk, capacity__gte=F("sold") + F("held") + size).update(
                    sold=F("sold") + size
                )
                if not taken:
                    raise CommandError(f"Not enough seats left for {size} more buyers.")
                now = timezone.now()
                orders = Order.objects.bulk_create(
                    Order(
                        user_id=FIRST_USER_ID + n,
                        email=f"bench-buyer-{n}@example.com",
                        full_name=f"Bench Buyer {n}",
                        event_id=kind.event_id,
                        ticket_type=kind,
                        quantity=1,
                        unit_price=0,
                        total=0,
                        currency=kind.currency,
                        status=Order.Status.PAID,
                        expires_at=now,
                        paid_at=now,
                    )
                    for n in range(start + 1, start + size + 1)
                )
                if orders and orders[0].pk is None:  # MySQL returns no ids from a bulk insert (MariaDB does)
                    orders = Order.objects.filter(ticket_type=kind, email__in=[order.email for order in orders])
                OrderLine.objects.bulk_create(
                    OrderLine(
                        order=order, ticket_type=kind, quantity=1, unit_price=0, total=0, attendees=[order.full_name]
                    )
                    for order in orders
                )
                Ticket.objects.bulk_create(
                    Ticket(
                        order=order,
                        user_id=order.user_id,
                        event_id=order.event_id,
                        ticket_type=kind,
                        code=new_ticket_code(),
                        holder_name=order.full_name,
                    )
                    for order in orders
                )
        self.stdout.write(str(Order.objects.filter(ticket_type=kind, status=Order.Status.PAID).count()))
