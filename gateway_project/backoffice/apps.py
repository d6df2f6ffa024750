from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """Admin pages for data other services own (their site: backoffice.sites)."""

    name = "gateway_project.backoffice"
    label = "backoffice"
    verbose_name = "Back office"
