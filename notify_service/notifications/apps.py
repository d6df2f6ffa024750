from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notify_service.notifications"
    label = "notifications"
    verbose_name = "Notifications"
