"""gRPC glue of microtix.notifications.v1.NotificationService (the email log): proto in,
service call, proto out. Domain errors raised by the services become status codes in
servicekit's interceptor."""

from __future__ import annotations

from django_grpc_framework.services import Service

from notify_service.notifications.models import Notification
from notify_service.notifications.services.log import list_notifications, retry_notification
from protos.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from servicekit.identity import Caller
from servicekit.messages import message_from
from servicekit.pagination import message_fields, page_message


def notification_to_proto(notification: Notification) -> notifications_pb2.Notification:
    return message_from(notifications_pb2.Notification, notification)


class NotificationServicer(Service):
    def ListNotifications(self, request, context):
        """Notifications newest first, filtered; staff only."""
        page = list_notifications(caller=Caller.from_context(context), **message_fields(request))
        return page_message(notifications_pb2.ListNotificationsResponse, page, notification_to_proto)

    def RetryNotification(self, request, context):
        """Send a failed notification again, its attempts starting over; staff only."""
        notification = retry_notification(caller=Caller.from_context(context), notification_id=request.id)
        return notification_to_proto(notification)


def grpc_handlers(server) -> None:
    """Register this service's servicers on `server`."""
    notifications_pb2_grpc.add_NotificationServiceServicer_to_server(NotificationServicer.as_servicer(), server)
