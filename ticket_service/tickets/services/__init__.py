"""Business logic of ticketing, one module per saga; callers import the module they need.

From the bottom up: errors, events (the events service's view of an event), vouchers (codes and
their guard), inventory (the seat guard, the one writer of seat counts), selectors (reads),
admission (ticket codes, check-in), ticket_types, waiting_list (offers freed seats in order),
payments (charge, complete, refund, reconcile),
refunds (the organizer's), confirmations (sent again), holds, ticket_type_changes, cancellation,
periodic. A module imports only those before it.
"""
