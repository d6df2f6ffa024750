"""Card data: the full number and the cvc are never stored nor logged."""

from django.apps import apps
from django.db import connection
from grpc import StatusCode

from payment_service.payments.tests.support import (
    CVC,
    DECLINED,
    MASTERCARD,
    VISA,
    PaymentServiceTestCase,
    charge_request,
)


def stored_values() -> list[str]:
    """Every value of every column of every row of this service's tables, as text."""
    values = []
    with connection.cursor() as cursor:
        for model in apps.get_app_config("payments").get_models():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")
            values += [str(value) for row in cursor.fetchall() for value in row]
    return values


class CardDataTests(PaymentServiceTestCase):
    def test_card_number_and_cvc_are_in_no_column_of_any_payments_table(self):
        self.assertFails(StatusCode.FAILED_PRECONDITION, "Charge", charge_request(1, DECLINED))
        self.charge(1, VISA)
        self.charge(2, MASTERCARD)
        self.refund(2)

        values = stored_values()

        self.assertIn("4242", values)  # the scan does see the rows
        for number in (DECLINED, VISA, MASTERCARD):
            self.assertFalse([value for value in values if number in value], number)
        self.assertNotIn(CVC, values)

    def test_card_number_and_cvc_are_in_no_log_record(self):
        with self.assertLogs(level="DEBUG") as logs:
            self.assertFails(StatusCode.FAILED_PRECONDITION, "Charge", charge_request(1, DECLINED))
            self.charge(1, VISA)
            self.refund(1)

        self.assertTrue(any("last4=4242" in line for line in logs.output))  # the outcomes are logged
        for line in logs.output:
            self.assertNotIn(VISA, line)
            self.assertNotIn(DECLINED, line)
            self.assertNotIn(CVC, line)
