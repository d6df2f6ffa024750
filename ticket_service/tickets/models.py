"""Tables of this service (ticket types, orders, tickets and check-ins arrive with the ticketing issue)."""
