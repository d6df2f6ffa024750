"""INVARIANT 1 against the organizer's changes: a capacity cut while customers reserve never ends
under the seats sold and held, and a type deleted while they reserve never leaves a hold behind.

Every thread makes its own real gRPC call, so the database decides who comes first."""

import time

from grpc import StatusCode

from devkit.databases import only_on_mysql
from servicekit.errors import DomainError
from ticket_service.tickets.models import OrderLine, TicketType
from ticket_service.tickets.tests.support import RaceTestCase, new_caller, run_together

# Capacities cut to while 6 seats are held and 16 customers reserve one each: some fit, some do not.
CUTS = (7, 9, 12, 14, 17, 20, 22, 25)
# How long the customers wait before reserving, by round of the deletion race: from all at once
# with the deletion to mostly after it, so that either may come first.
RESERVE_DELAYS = (0, 0.002, 0.005, 0.01, 0.02)


@only_on_mysql("racing a change against reservations needs a server that runs transactions side by side")
class TicketTypeChangeRaceTests(RaceTestCase):
    def reserve_call(self, ticket_type_id: int, delay: float = 0):
        customer = new_caller("customer")

        def reserve():
            time.sleep(delay)
            return self.reserve(ticket_type_id, 1, customer)

        return reserve

    def ticket_type_call(self, method: str, event_id: int, ticket_type_id: int, **fields):
        return lambda: self.call(method, self.ORGANIZER, event_id=event_id, ticket_type_id=ticket_type_id, **fields)

    def test_reservations_racing_a_capacity_cut_never_end_above_it_and_the_cut_applies_or_is_refused(self):
        for cut in CUTS:
            with self.subTest(cut=cut):
                event = self.make_event()
                ticket_type = self.make_ticket_type(event_id=event.id, capacity=30)
                self.reserve(ticket_type.id, 6, new_caller("customer"))
                change = self.ticket_type_call("UpdateTicketType", event.id, ticket_type.id, capacity=cut)
                reservations = [self.reserve_call(ticket_type.id) for _ in range(16)]

                changed, *reserved = run_together([change, *reservations])

                row = self.row(ticket_type.id)
                if isinstance(changed, DomainError):
                    self.assertDomainError(changed, StatusCode.FAILED_PRECONDITION, "capacity_below_sold")
                    self.assertGreater(changed.extra["sold"] + changed.extra["held"], cut)
                    self.assertEqual(row.capacity, 30)
                else:
                    self.assertEqual((changed.capacity, row.capacity), (cut, cut))
                for refused in (r for r in reserved if isinstance(r, DomainError)):
                    self.assertDomainError(refused, StatusCode.FAILED_PRECONDITION, "sold_out")
                won = [r for r in reserved if not isinstance(r, DomainError)]
                self.assertEqual(row.held, 6 + len(won))
                self.assertLessEqual(row.sold + row.held, row.capacity)

    def test_a_type_deleted_while_customers_reserve_it_is_gone_with_no_hold_or_kept_with_all(self):
        for delay in RESERVE_DELAYS:
            with self.subTest(delay=delay):
                event = self.make_event()
                ticket_type = self.make_ticket_type(event_id=event.id, capacity=50)
                delete = self.ticket_type_call("DeleteTicketType", event.id, ticket_type.id)
                reservations = [self.reserve_call(ticket_type.id, delay) for _ in range(12)]

                deleted, *reserved = run_together([delete, *reservations])

                won = [r for r in reserved if not isinstance(r, DomainError)]
                for refused in (r for r in reserved if isinstance(r, DomainError)):
                    self.assertDomainError(refused, StatusCode.NOT_FOUND, "not_found")
                if isinstance(deleted, DomainError):
                    self.assertDomainError(deleted, StatusCode.FAILED_PRECONDITION, "ticket_type_in_use")
                    self.assertEqual(self.row(ticket_type.id).held, len(won))
                else:
                    self.assertFalse(TicketType.objects.filter(pk=ticket_type.id).exists())
                    self.assertEqual(won, [])
                    self.assertFalse(OrderLine.objects.filter(ticket_type_id=ticket_type.id).exists())
