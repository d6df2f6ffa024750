from django.urls import path

from gateway_project.ticketing_api import views

urlpatterns = [
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/<id:order_id>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<id:order_id>/pay/", views.PayOrderView.as_view(), name="order-pay"),
    path("orders/<id:order_id>/cancel/", views.CancelOrderView.as_view(), name="order-cancel"),
    path("orders/<id:order_id>/resend/", views.ResendConfirmationView.as_view(), name="order-resend"),
    path("tickets/", views.TicketListView.as_view(), name="ticket-list"),
    path("tickets/<id:ticket_id>/", views.TicketDetailView.as_view(), name="ticket-detail"),
    path(
        "tickets/<id:ticket_id>/qr.svg",
        views.TicketQRCodeView.as_view(kind="svg", content_type="image/svg+xml"),
        name="ticket-qr-svg",
    ),
    path(
        "tickets/<id:ticket_id>/qr.png",
        views.TicketQRCodeView.as_view(kind="png", content_type="image/png"),
        name="ticket-qr-png",
    ),
    path("checkins/", views.CheckInView.as_view(), name="checkin"),
    path("checkins/lookup/", views.TicketLookupView.as_view(), name="checkin-lookup"),
    # The organizer's desk, beside the events' own routes (events_api) under /api/events/<id>/.
    path("events/<id:event_id>/orders/", views.EventOrderListView.as_view(), name="event-orders"),
    path("events/<id:event_id>/orders/<id:order_id>/", views.EventOrderDetailView.as_view(), name="event-order"),
    path("events/<id:event_id>/attendees.csv", views.EventAttendeesCSVView.as_view(), name="event-attendees-csv"),
]
