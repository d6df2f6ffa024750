from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "ticket_service.tickets"
    label = "tickets"
    verbose_name = "Tickets"
