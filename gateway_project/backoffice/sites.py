"""The gateway's admin site: Django's, plus pages for data other services own, reached over gRPC.

Installed in place of "django.contrib.admin" (INSTALLED_APPS lists MicroTixAdminConfig), so
`admin.site` and `@admin.register` keep working unchanged.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import re_path, reverse
from django.views.decorators.http import require_POST

EVENTS_APP = "Events service"


class MicroTixAdminSite(admin.AdminSite):
    def get_urls(self):
        # The pages need settings and DRF: import them late.
        from gateway_project.backoffice import views
        from gateway_project.backoffice.listings import LISTINGS

        event = r"^backoffice/events/(?P<event_id>[0-9]{1,18})/"
        return [
            re_path(r"^backoffice/events/$", self.admin_view(views.event_list), name="backoffice_event_list"),
            re_path(rf"{event}$", self.admin_view(views.event_detail), name="backoffice_event_detail"),
            re_path(rf"{event}cancel/$", self.admin_view(views.event_cancel), name="backoffice_event_cancel"),
            *(
                re_path(
                    rf"^backoffice/{listing.slug}/$", self.admin_view(listing.view), name=f"backoffice_{listing.slug}"
                )
                for listing in LISTINGS
            ),
            *(
                re_path(
                    rf"^backoffice/{listing.slug}/(?P<item_id>[0-9]{{1,18}})/{listing.action.method.lower()}/$",
                    self.admin_view(require_POST(listing.act)),
                    name=f"backoffice_{listing.slug}_action",
                )
                for listing in LISTINGS
                if listing.action
            ),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        from gateway_project.backoffice.listings import LISTINGS

        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        pages = [(EVENTS_APP, "Events", "backoffice_event_list")]
        pages += [(listing.section, listing.title, f"backoffice_{listing.slug}") for listing in LISTINGS]
        sections: dict[str, dict] = {}
        for section, title, url_name in pages:
            url = reverse(f"admin:{url_name}", current_app=self.name)
            app = sections.setdefault(
                section,
                {"name": section, "app_label": "backoffice", "app_url": url, "has_module_perms": True, "models": []},
            )
            app["models"].append(
                {"name": title, "object_name": title, "admin_url": url, "add_url": None, "view_only": False}
            )
        return sorted([*app_list, *sections.values()], key=lambda app: app["name"].lower())


class MicroTixAdminConfig(AdminConfig):
    default_site = "gateway_project.backoffice.sites.MicroTixAdminSite"
