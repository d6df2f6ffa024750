"""The periodic work of the tickets service, as settings.PERIODIC_TASKS runs it: the sweep every
SWEEP_INTERVAL_SECONDS, the outbox relay every OUTBOX_INTERVAL_SECONDS, in a thread of every
replica (servicekit.grpc_server.start_periodic). Replicas may meet the same rows: the relay skips
locked ones, and the sweep's steps are conditional updates and idempotent calls, so an order is
settled once whichever replica gets to it.
"""

from __future__ import annotations

from servicekit import outbox
from ticket_service.tickets.models import OutboxMessage
from ticket_service.tickets.services.cancellation import refund_pending_orders
from ticket_service.tickets.services.holds import release_expired_holds
from ticket_service.tickets.services.payments import reconcile_abandoned_payments
from ticket_service.tickets.services.refunds import settle_pending_refunds
from ticket_service.tickets.services.waiting_list import advance_waiting_lists


def relay_outbox() -> int:
    """Publish the tasks committed orders promised (PERIODIC_TASKS)."""
    return outbox.relay(OutboxMessage)


def sweep() -> None:
    """Periodic work of the tickets service (PERIODIC_TASKS): expire holds (their seats offered to
    the waiting lists), offer the seats any list is owed, settle interrupted payments, run queued
    refunds and settle organizers' refunds whose payment call failed."""
    release_expired_holds()
    advance_waiting_lists()
    reconcile_abandoned_payments()
    refund_pending_orders()
    settle_pending_refunds()
