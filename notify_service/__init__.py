"""Notifications: a Django project whose Celery worker sends email; producers publish tasks by name."""

from notify_service.celery import app as celery_app

__all__ = ["celery_app"]
