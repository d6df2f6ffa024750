"""Tables of this service (payments and refunds arrive with the ticketing issue)."""
