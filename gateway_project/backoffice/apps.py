from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    """Admin pages for data other services own (their site: backoffice.sites)."""

    name = "gateway_project.backoffice"
    label = "backoffice"
    verbose_name = "Back office"


class MicroTixAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the MicroTix site. Here, not in `sites`: INSTALLED_APPS imports this module
    before the apps are ready, and `sites` imports the pages (clients, DRF); the site is loaded in `ready()`."""

    default = False  # the app config of `gateway_project.backoffice` is BackofficeConfig
    default_site = "gateway_project.backoffice.sites.MicroTixAdminSite"
