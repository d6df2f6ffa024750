from django.apps import AppConfig
from django.core import checks


class BackofficeConfig(AppConfig):
    name = "gateway_project.backoffice"
    label = "backoffice"
    verbose_name = "Back office"

    def ready(self):
        checks.register(check_admin_site, checks.Tags.admin)


def check_admin_site(app_configs, **kwargs):
    """The back-office pages only exist on MicroTixAdminSite, installed by its AdminConfig."""
    from django.contrib import admin

    from gateway_project.backoffice.sites import MicroTixAdminSite

    if isinstance(admin.site, MicroTixAdminSite):
        return []
    hint = 'In INSTALLED_APPS, replace "django.contrib.admin" by "gateway_project.backoffice.sites.MicroTixAdminConfig"'
    return [checks.Warning("The admin has no Events pages.", hint=f"{hint}.", id="backoffice.W001")]
