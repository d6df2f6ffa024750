"""Tickets service: a Django project serving ticket types, orders, tickets and check-ins over gRPC."""
