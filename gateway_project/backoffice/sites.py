"""The gateway's admin site: Django's, plus pages for data other services own, reached over gRPC.

It lives in the gateway, which owns the users and staff logins and is the only process that serves
HTML. Other services' data comes through their RPCs, as the API's does: everyone's rows through the
staff-only ones (`all_users` and `all_statuses` listings, ListPayments, ListNotifications), an event's
vouchers and orders through the organizer-or-staff ListVouchers, ListEventOrders and GetEventOrder.
A ticket, a payment and a notification each have a page (`details`: GetTicket, GetPayment, ListNotifications
by id). Failed emails are retried from the log one at a time or selected in bulk, a RetryNotification each.
Refunding an order is the RefundOrder that POST /api/events/{id}/orders/{order_id}/refund/ calls,
cancelling an event the CancelEvent that DELETE /api/events/{id}/ calls, each on the POST of a
confirmation page. So each service's own rules apply to staff too, and the gateway never touches a
service's tables.

Installed in place of "django.contrib.admin" (INSTALLED_APPS lists backoffice.apps.MicroTixAdminConfig,
which loads this module once the apps are ready), so `admin.site` and `@admin.register` keep working unchanged.
"""

from django.contrib import admin
from django.urls import re_path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from gateway_project.backoffice import details, orders, views
from gateway_project.backoffice.listings import LISTINGS

PAGES = (views.EVENTS, *LISTINGS)
# A confirmation page (GET) and the action it confirms (POST, CSRF-checked by admin_view).
confirmed = require_http_methods(["GET", "POST"])


class MicroTixAdminSite(admin.AdminSite):
    site_header = "MicroTix back office"
    site_title = "MicroTix back office"
    index_title = "Site administration"

    def get_urls(self):
        event = r"^backoffice/events/(?P<event_id>[0-9]{1,18})/"
        order = rf"{event}orders/(?P<order_id>[0-9]{{1,18}})/"
        return [
            re_path(rf"{event}$", self.admin_view(views.event_detail), name="backoffice_event_detail"),
            re_path(
                rf"{event}cancel/$", self.admin_view(confirmed(views.event_cancel)), name="backoffice_event_cancel"
            ),
            re_path(rf"{order}$", self.admin_view(orders.order_detail), name="backoffice_event_order"),
            re_path(
                rf"{order}refund/$",
                self.admin_view(confirmed(orders.order_refund)),
                name="backoffice_event_order_refund",
            ),
            re_path(
                r"^backoffice/orders/(?P<order_id>[0-9]{1,18})/$",
                self.admin_view(orders.order_by_id),
                name="backoffice_order",
            ),
            re_path(
                r"^backoffice/orders/(?P<order_id>[0-9]{1,18})/payment/$",
                self.admin_view(details.payment_detail),
                name="backoffice_order_payment",
            ),
            re_path(
                r"^backoffice/tickets/(?P<ticket_id>[0-9]{1,18})/$",
                self.admin_view(details.ticket_detail),
                name="backoffice_ticket",
            ),
            re_path(
                r"^backoffice/notifications/(?P<notification_id>[0-9]{1,18})/$",
                self.admin_view(details.notification_detail),
                name="backoffice_notification",
            ),
            *(
                re_path(rf"^backoffice/{listing.slug}/$", self.admin_view(listing.view), name=listing.url_name)
                for listing in PAGES
            ),
            *(
                re_path(
                    rf"^backoffice/{listing.slug}/(?P<item_id>[0-9]{{1,18}})/{listing.action.method.lower()}/$",
                    self.admin_view(require_POST(listing.act)),
                    name=f"{listing.url_name}_action",
                )
                for listing in PAGES
                if listing.action
            ),
            *(
                re_path(
                    rf"^backoffice/{listing.slug}/{listing.action.method.lower()}/$",
                    self.admin_view(require_POST(listing.act_on_selected)),
                    name=f"{listing.url_name}_bulk",
                )
                for listing in PAGES
                if listing.action and listing.action.bulk
            ),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        sections: dict[str, dict] = {}
        for listing in PAGES:
            url = reverse(f"admin:{listing.url_name}", current_app=self.name)
            app = sections.setdefault(
                listing.section,
                {
                    "name": listing.section,
                    "app_label": "backoffice",
                    "app_url": url,
                    "has_module_perms": True,
                    "models": [],
                },
            )
            app["models"].append(
                {
                    "name": listing.title,
                    "object_name": listing.slug,  # the index's CSS class and id: one word
                    "admin_url": url,
                    "add_url": None,
                    "view_only": True,  # read over gRPC: the index says "View", not "Change"
                }
            )
        return sorted([*app_list, *sections.values()], key=lambda app: app["name"].lower())
