"""CreateTicketType and ListTicketTypes: the event's organizer sets up the inventory; anyone sees it."""

from grpc import StatusCode

from ticket_service.tickets.models import TicketType
from ticket_service.tickets.tests.support import TicketServiceTestCase


class CreateTicketTypeTests(TicketServiceTestCase):
    def test_organizer_creates_a_ticket_type_with_all_seats_available(self):
        event = self.make_event()

        created = self.call(
            "CreateTicketType", self.ORGANIZER, event_id=event.id, name="Balcony", price="25.50", capacity=120
        )

        self.assertEqual(created.event_id, event.id)
        self.assertEqual(created.name, "Balcony")
        self.assertEqual(created.price, "25.50")
        self.assertEqual(created.capacity, 120)
        self.assertEqual(created.available, 120)
        row = TicketType.objects.get(pk=created.id)
        self.assertEqual((row.event_id, row.capacity, row.sold, row.held), (event.id, 120, 0, 0))

    def test_currency_defaults_to_usd_and_max_per_order_to_10(self):
        created = self.make_ticket_type()

        self.assertEqual(created.currency, "USD")
        self.assertEqual(created.max_per_order, 10)

    def test_currency_and_max_per_order_can_be_chosen(self):
        created = self.make_ticket_type(currency="eur", max_per_order=4)

        self.assertEqual(created.currency, "EUR")
        self.assertEqual(created.max_per_order, 4)

    def test_staff_may_create_a_ticket_type_for_any_event(self):
        event = self.make_event()

        created = self.make_ticket_type(event_id=event.id, organizer=self.STAFF)

        self.assertEqual(created.event_id, event.id)

    def test_another_organizer_is_permission_denied(self):
        event = self.make_event(self.ORGANIZER)

        self.assertFails(
            StatusCode.PERMISSION_DENIED,
            "permission_denied",
            "CreateTicketType",
            self.OTHER_ORGANIZER,
            event_id=event.id,
            name="General",
            price="10.00",
            capacity=5,
        )
        self.assertFalse(TicketType.objects.filter(event_id=event.id).exists())

    def test_customer_is_permission_denied(self):
        event = self.make_event()

        self.assertFails(
            StatusCode.PERMISSION_DENIED,
            None,
            "CreateTicketType",
            self.CUSTOMER,
            event_id=event.id,
            name="General",
            price="10.00",
            capacity=5,
        )

    def test_cancelled_event_is_failed_precondition_event_cancelled(self):
        event = self.make_event()
        self.cancel_event(event.id)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "event_cancelled",
            "CreateTicketType",
            self.ORGANIZER,
            event_id=event.id,
            name="General",
            price="10.00",
            capacity=5,
        )
        self.assertFalse(TicketType.objects.filter(event_id=event.id).exists())

    def test_unknown_event_is_not_found(self):
        self.assertFails(
            StatusCode.NOT_FOUND,
            "not_found",
            "CreateTicketType",
            self.ORGANIZER,
            event_id=987654321,
            name="General",
            price="10.00",
            capacity=5,
        )

    def test_invalid_price_is_invalid_argument_on_price(self):
        event = self.make_event()
        for price in ("abc", "-1", "1.001", "", "NaN", "Infinity", "100000000"):
            with self.subTest(price=price):
                error = self.assertFails(
                    StatusCode.INVALID_ARGUMENT,
                    None,
                    "CreateTicketType",
                    self.ORGANIZER,
                    event_id=event.id,
                    name="General",
                    price=price,
                    capacity=5,
                )
                self.assertEqual(list(error.field_errors), ["price"])
        self.assertFalse(TicketType.objects.filter(event_id=event.id).exists())

    def test_price_too_large_for_a_decimal_is_invalid_argument_on_price(self):
        event = self.make_event()
        # 1e999999999 is a Decimal whose abs() overflows the decimal context: it was an INTERNAL.
        for price in ("1e30", "9" * 40, "1e999999999", "-1e999999999"):
            with self.subTest(price=price):
                error = self.assertFails(
                    StatusCode.INVALID_ARGUMENT,
                    None,
                    "CreateTicketType",
                    self.ORGANIZER,
                    event_id=event.id,
                    name="General",
                    price=price,
                    capacity=5,
                )
                self.assertEqual(list(error.field_errors), ["price"])

    def test_free_tickets_are_allowed(self):
        created = self.make_ticket_type(price="0")

        self.assertEqual(created.price, "0.00")

    def test_invalid_currency_is_invalid_argument_on_currency(self):
        event = self.make_event()
        for currency in ("usd1", "US", "U$D"):
            with self.subTest(currency=currency):
                error = self.assertFails(
                    StatusCode.INVALID_ARGUMENT,
                    None,
                    "CreateTicketType",
                    self.ORGANIZER,
                    event_id=event.id,
                    name="General",
                    price="10.00",
                    currency=currency,
                    capacity=5,
                )
                self.assertEqual(list(error.field_errors), ["currency"])

    def test_a_three_letter_code_that_is_no_iso_4217_currency_is_invalid_argument_on_currency(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "CreateTicketType",
            self.ORGANIZER,
            event_id=self.make_event().id,
            name="General",
            price="10.00",
            currency="ZZZ",
            capacity=5,
        )

        self.assertEqual(error.field_errors, {"currency": ["Enter a 3-letter ISO 4217 currency code."]})

    def test_currency_with_a_trailing_newline_is_invalid_argument_on_currency(self):
        event = self.make_event()

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "CreateTicketType",
            self.ORGANIZER,
            event_id=event.id,
            name="General",
            price="10.00",
            currency="USD\n",
            capacity=5,
        )

        self.assertEqual(list(error.field_errors), ["currency"])
        self.assertFalse(TicketType.objects.filter(event_id=event.id).exists())

    def test_capacity_0_is_invalid_argument_on_capacity(self):
        event = self.make_event()

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "CreateTicketType",
            self.ORGANIZER,
            event_id=event.id,
            name="General",
            price="10.00",
            capacity=0,
        )

        self.assertEqual(list(error.field_errors), ["capacity"])

    def test_blank_name_is_invalid_argument_on_name(self):
        event = self.make_event()

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "CreateTicketType",
            self.ORGANIZER,
            event_id=event.id,
            name="   ",
            price="10.00",
            capacity=5,
        )

        self.assertEqual(list(error.field_errors), ["name"])


class ListTicketTypesTests(TicketServiceTestCase):
    def test_lists_the_events_types_in_creation_order(self):
        event = self.make_event()
        first = self.make_ticket_type(event_id=event.id, name="Floor")
        second = self.make_ticket_type(event_id=event.id, name="Balcony")
        self.make_ticket_type(name="Another event's type")

        listed = self.call("ListTicketTypes", event_id=event.id).ticket_types

        self.assertEqual([t.id for t in listed], [first.id, second.id])
        self.assertEqual([t.name for t in listed], ["Floor", "Balcony"])

    def test_available_is_live_after_holds_and_sales(self):
        ticket_type = self.make_ticket_type(capacity=10)
        self.reserve(ticket_type.id, 3)
        self.paid_order(ticket_type.id, 2, self.OTHER_CUSTOMER)

        (listed,) = self.call("ListTicketTypes", event_id=ticket_type.event_id).ticket_types

        self.assertEqual(listed.capacity, 10)
        self.assertEqual(listed.available, 5)

    def test_event_without_types_lists_nothing(self):
        event = self.make_event()

        self.assertEqual(list(self.call("ListTicketTypes", event_id=event.id).ticket_types), [])


class HiddenTicketTypeTests(TicketServiceTestCase):
    """A hidden type (a presale) is listed to its organizer only and not sold without a voucher."""

    def listed(self, event_id: int, caller=None) -> list[int]:
        return [t.id for t in self.call("ListTicketTypes", caller, event_id=event_id).ticket_types]

    def test_a_hidden_type_is_listed_to_its_organizer_and_staff_only(self):
        event = self.make_event()
        hidden = self.make_ticket_type(event_id=event.id, hidden=True)
        public = self.make_ticket_type(event_id=event.id)

        self.assertEqual(self.listed(event.id, self.ORGANIZER), [hidden.id, public.id])
        self.assertEqual(self.listed(event.id, self.STAFF), [hidden.id, public.id])
        self.assertEqual(self.listed(event.id), [public.id])
        self.assertEqual(self.listed(event.id, self.CUSTOMER), [public.id])
        self.assertEqual(self.listed(event.id, self.OTHER_ORGANIZER), [public.id])

    def test_a_hidden_type_cannot_be_reserved_without_a_voucher(self):
        ticket_type = self.make_ticket_type(hidden=True)

        self.assertFails(
            StatusCode.NOT_FOUND, "not_found", "ReserveSeats", self.CUSTOMER, ticket_type_id=ticket_type.id, quantity=1
        )
        self.assertEqual(self.row(ticket_type.id).held, 0)
