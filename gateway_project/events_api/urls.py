from django.urls import path

from gateway_project.events_api import views

urlpatterns = [
    path("", views.EventListView.as_view(), name="event-list"),
    path("mine/", views.MyEventListView.as_view(), name="event-mine"),
    path("staffed/", views.StaffedEventListView.as_view(), name="event-staffed"),
    path("<id:event_id>/", views.EventDetailView.as_view(), name="event-detail"),
    path("<id:event_id>/ticket-types/", views.TicketTypeListView.as_view(), name="event-ticket-types"),
    path(
        "<id:event_id>/ticket-types/<id:ticket_type_id>/",
        views.TicketTypeDetailView.as_view(),
        name="event-ticket-type",
    ),
    path(
        "<id:event_id>/ticket-types/<id:ticket_type_id>/waiting-list/",
        views.WaitingListView.as_view(),
        name="event-ticket-type-waiting-list",
    ),
    path("<id:event_id>/sales/", views.EventSalesView.as_view(), name="event-sales"),
    path("<id:event_id>/vouchers/", views.EventVouchersView.as_view(), name="event-vouchers"),
    path(
        "<id:event_id>/vouchers/<id:voucher_id>/deactivate/",
        views.VoucherDeactivateView.as_view(),
        name="event-voucher-deactivate",
    ),
    path("<id:event_id>/staff/", views.EventStaffView.as_view(), name="event-staff"),
    path("<id:event_id>/staff/<id:staff_id>/", views.EventStaffMemberView.as_view(), name="event-staff-member"),
    path("<id:event_id>/orders/<id:order_id>/refund/", views.EventOrderRefundView.as_view(), name="event-order-refund"),
    path("<id:event_id>/orders/<id:order_id>/resend/", views.EventOrderResendView.as_view(), name="event-order-resend"),
]
