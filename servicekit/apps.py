from django.apps import AppConfig


class ServicekitConfig(AppConfig):
    name = "servicekit"
    verbose_name = "MicroTix service kit"
