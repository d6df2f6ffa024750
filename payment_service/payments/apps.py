from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payment_service.payments"
    label = "payments"
    verbose_name = "Payments"
