from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "gateway_project.backoffice"
    label = "backoffice"
    verbose_name = "Back office"
