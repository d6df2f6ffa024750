from django.apps import AppConfig


class RatelimitsConfig(AppConfig):
    """The gateway's rate limits: request slots per key in the database, shared by every worker and replica."""

    name = "gateway_project.ratelimits"
    label = "ratelimits"
    verbose_name = "Rate limits"
