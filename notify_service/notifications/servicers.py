"""gRPC glue of microtix.notifications.v1.NotificationService (the email log): proto in,
service call, proto out. Domain errors raised by the services become status codes in
servicekit's interceptor."""

from __future__ import annotations

from django_grpc_framework.services import Service

from notify_service.notifications import services
from notify_service.notifications.models import Notification
from protos.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp


def notification_to_proto(notification: Notification) -> notifications_pb2.Notification:
    return notifications_pb2.Notification(
        id=notification.id,
        kind=notification.kind,
        recipient=notification.recipient,
        subject=notification.subject,
        status=notification.status,
        attempts=notification.attempts,
        last_error=notification.last_error,
        created_at=to_timestamp(notification.created_at),
        sent_at=to_timestamp(notification.sent_at),
        dedupe_key=notification.dedupe_key,
    )


class NotificationServicer(Service):
    def ListNotifications(self, request, context):
        """Notifications newest first, filtered; staff only."""
        notifications, next_token = services.list_notifications(
            caller=Caller.from_context(context),
            kind=request.kind,
            status=request.status,
            recipient_query=request.recipient_query,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return notifications_pb2.ListNotificationsResponse(
            notifications=[notification_to_proto(n) for n in notifications], next_page_token=next_token
        )

    def RetryNotification(self, request, context):
        """Send a failed notification again, its attempts starting over; staff only."""
        notification = services.retry_notification(caller=Caller.from_context(context), notification_id=request.id)
        return notification_to_proto(notification)


def grpc_handlers(server) -> None:
    """Register this service's servicers on `server`."""
    notifications_pb2_grpc.add_NotificationServiceServicer_to_server(NotificationServicer.as_servicer(), server)
