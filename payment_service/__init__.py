"""Payments service: a Django project serving payments and refunds over gRPC."""
