from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "event_service.events"
    label = "events"
    verbose_name = "Events"
