"""GetTicketType, UpdateTicketType and DeleteTicketType: the organizer changes a type's name, price,
capacity, limits, sale window and visibility, or deletes one nothing was ever sold of; the
capacity never goes below the seats sold and held."""

from unittest import mock

from grpc import StatusCode

from servicekit.timestamps import from_timestamp, to_timestamp
from ticket_service.tickets.models import OrderLine, TicketType
from ticket_service.tickets.services import holds
from ticket_service.tickets.tests.support import TicketServiceTestCase, from_now


class TicketTypeChangeTestCase(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()
        self.ticket_type = self.make_ticket_type(event_id=self.event.id, capacity=10, price="25.00")

    def update(self, caller=None, /, **fields):
        fields.setdefault("event_id", self.event.id)
        fields.setdefault("ticket_type_id", self.ticket_type.id)
        return self.call("UpdateTicketType", caller or self.ORGANIZER, **fields)

    def assertUpdateFails(self, status, error_code, caller=None, /, **fields):
        fields.setdefault("event_id", self.event.id)
        fields.setdefault("ticket_type_id", self.ticket_type.id)
        return self.assertFails(status, error_code, "UpdateTicketType", caller or self.ORGANIZER, **fields)

    def assertDeleteFails(self, status, error_code, caller=None, /, **fields):
        fields.setdefault("event_id", self.event.id)
        fields.setdefault("ticket_type_id", self.ticket_type.id)
        return self.assertFails(status, error_code, "DeleteTicketType", caller or self.ORGANIZER, **fields)


class GetTicketTypeTests(TicketTypeChangeTestCase):
    def test_anyone_gets_a_listed_type_with_live_availability(self):
        self.reserve(self.ticket_type.id, 3)

        got = self.call("GetTicketType", None, event_id=self.event.id, ticket_type_id=self.ticket_type.id)

        self.assertEqual(
            (got.id, got.name, got.capacity, got.available), (self.ticket_type.id, "General admission", 10, 7)
        )

    def test_a_hidden_type_is_found_by_its_organizer_and_staff_only(self):
        hidden = self.make_ticket_type(event_id=self.event.id, hidden=True)

        for caller in (self.ORGANIZER, self.STAFF):
            with self.subTest(caller=caller):
                got = self.call("GetTicketType", caller, event_id=self.event.id, ticket_type_id=hidden.id)
                self.assertTrue(got.hidden)
        for caller in (self.CUSTOMER, self.OTHER_ORGANIZER, None):
            with self.subTest(caller=caller):
                self.assertFails(
                    StatusCode.NOT_FOUND, "not_found", "GetTicketType", caller,
                    event_id=self.event.id, ticket_type_id=hidden.id,
                )  # fmt: skip

    def test_a_type_of_another_event_is_not_found(self):
        other = self.make_ticket_type()

        self.assertFails(
            StatusCode.NOT_FOUND, "not_found", "GetTicketType", None, event_id=self.event.id, ticket_type_id=other.id
        )


class UpdateTicketTypeTests(TicketTypeChangeTestCase):
    def test_organizer_changes_name_price_capacity_max_per_order_and_hidden(self):
        changed = self.update(name=" Balcony ", price="30.5", capacity=25, max_per_order=4, hidden=True)

        self.assertEqual(
            (changed.name, changed.price, changed.capacity, changed.available, changed.max_per_order, changed.hidden),
            ("Balcony", "30.50", 25, 25, 4, True),
        )
        row = self.row(self.ticket_type.id)
        self.assertEqual((row.name, str(row.price), row.capacity, row.max_per_order, row.hidden), (
            "Balcony", "30.50", 25, 4, True,
        ))  # fmt: skip

    def test_fields_absent_from_the_request_keep_their_values(self):
        changed = self.update(capacity=12)

        self.assertEqual((changed.name, changed.price, changed.max_per_order), ("General admission", "25.00", 10))
        self.assertEqual(changed.sales_start, self.ticket_type.sales_start)
        self.assertEqual(changed.sales_end, self.ticket_type.sales_end)

    def test_staff_may_change_any_events_type(self):
        self.assertEqual(self.update(self.STAFF, name="Pit").name, "Pit")

    def test_a_new_price_applies_to_new_orders_and_order_lines_keep_theirs(self):
        before = self.reserve_order(self.ticket_type.id, 2)

        self.update(price="40.00")
        after = self.reserve_order(self.ticket_type.id, 1, self.OTHER_CUSTOMER)

        self.assertEqual((before.lines[0].unit_price, before.total), ("25.00", "50.00"))
        self.assertEqual(str(OrderLine.objects.get(order_id=before.id).unit_price), "25.00")
        self.assertEqual((after.lines[0].unit_price, after.total), ("40.00", "40.00"))

    def test_capacity_may_go_down_to_the_seats_sold_and_held(self):
        self.paid_order(self.ticket_type.id, 2)
        self.reserve(self.ticket_type.id, 3, self.OTHER_CUSTOMER)

        changed = self.update(capacity=5)

        self.assertEqual((changed.capacity, changed.available), (5, 0))

    def test_capacity_below_the_seats_sold_and_held_is_capacity_below_sold_with_both(self):
        self.paid_order(self.ticket_type.id, 2)
        self.reserve(self.ticket_type.id, 3, self.OTHER_CUSTOMER)

        error = self.assertUpdateFails(
            StatusCode.FAILED_PRECONDITION, "capacity_below_sold", capacity=4, name="Renamed"
        )

        self.assertEqual(error.extra, {"sold": 2, "held": 3})
        row = self.row(self.ticket_type.id)
        self.assertEqual((row.capacity, row.name), (10, "General admission"))  # nothing of the change applied

    def test_seats_of_lapsed_holds_do_not_count_against_a_new_capacity(self):
        lapsed = self.reserve_order(self.ticket_type.id, 4)
        self.expire(lapsed.id)

        changed = self.update(capacity=2)

        self.assertEqual((changed.capacity, changed.available), (2, 2))
        self.assertEqual(self.order_row(lapsed.id).status, "expired")

    def test_sales_end_in_the_past_closes_sales_early(self):
        ticket_type = self.make_ticket_type(event_id=self.event.id, sales_start=to_timestamp(from_now(hours=-2)))

        self.update(ticket_type_id=ticket_type.id, sales_end=to_timestamp(from_now(hours=-1)))

        self.assertFails(
            StatusCode.FAILED_PRECONDITION, "sales_ended", "ReserveSeats", self.CUSTOMER,
            ticket_type_id=ticket_type.id, quantity=1,
        )  # fmt: skip

    def test_resetting_sales_end_ends_sales_at_the_events_start_again(self):
        own_end = from_now(days=3)
        ticket_type = self.make_ticket_type(event_id=self.event.id, sales_end=to_timestamp(own_end))

        changed = self.update(ticket_type_id=ticket_type.id, reset_sales_end=True)

        self.assertEqual(from_timestamp(changed.sales_end), from_timestamp(self.event.starts_at))
        self.assertIsNone(self.row(ticket_type.id).sales_end)

    def test_a_sales_start_after_the_window_ends_is_invalid_on_sales_start(self):
        error = self.assertUpdateFails(
            StatusCode.INVALID_ARGUMENT, None, sales_start=to_timestamp(from_timestamp(self.event.starts_at))
        )

        self.assertEqual(list(error.field_errors), ["sales_start"])

    def test_a_sales_end_before_sales_start_is_invalid_on_sales_end(self):
        error = self.assertUpdateFails(StatusCode.INVALID_ARGUMENT, None, sales_end=to_timestamp(from_now(days=-1)))

        self.assertEqual(list(error.field_errors), ["sales_end"])

    def test_resetting_sales_end_of_a_window_opening_after_the_event_starts_is_invalid_on_sales_end(self):
        ticket_type = self.make_ticket_type(
            event_id=self.event.id,
            sales_start=to_timestamp(from_now(days=11)),
            sales_end=to_timestamp(from_now(days=12)),
        )

        error = self.assertUpdateFails(
            StatusCode.INVALID_ARGUMENT, None, ticket_type_id=ticket_type.id, reset_sales_end=True
        )

        self.assertEqual(list(error.field_errors), ["sales_end"])

    def test_invalid_values_are_invalid_argument_naming_each_field(self):
        error = self.assertUpdateFails(
            StatusCode.INVALID_ARGUMENT, "invalid", name=" ", price="-1", capacity=0, max_per_order=101
        )

        self.assertEqual(sorted(error.field_errors), ["capacity", "max_per_order", "name", "price"])
        self.assertEqual(self.row(self.ticket_type.id).capacity, 10)

    def test_another_organizer_is_permission_denied(self):
        self.assertUpdateFails(StatusCode.PERMISSION_DENIED, "permission_denied", self.OTHER_ORGANIZER, capacity=1)
        self.assertUpdateFails(StatusCode.PERMISSION_DENIED, "permission_denied", self.CUSTOMER, capacity=1)
        self.assertEqual(self.row(self.ticket_type.id).capacity, 10)

    def test_a_type_of_a_cancelled_event_is_event_cancelled(self):
        self.cancel_event(self.event.id)

        self.assertUpdateFails(StatusCode.FAILED_PRECONDITION, "event_cancelled", name="Too late")

    def test_an_unknown_type_or_one_of_another_event_is_not_found(self):
        other = self.make_ticket_type()

        self.assertUpdateFails(StatusCode.NOT_FOUND, "not_found", ticket_type_id=987654321, capacity=5)
        self.assertUpdateFails(StatusCode.NOT_FOUND, "not_found", ticket_type_id=other.id, capacity=5)
        self.assertEqual(self.row(other.id).capacity, 10)


class DeleteTicketTypeTests(TicketTypeChangeTestCase):
    def test_a_type_nothing_was_sold_or_held_of_is_deleted(self):
        self.call("DeleteTicketType", self.ORGANIZER, event_id=self.event.id, ticket_type_id=self.ticket_type.id)

        self.assertFalse(TicketType.objects.filter(pk=self.ticket_type.id).exists())

    def test_staff_may_delete_any_events_type(self):
        self.call("DeleteTicketType", self.STAFF, event_id=self.event.id, ticket_type_id=self.ticket_type.id)

        self.assertFalse(TicketType.objects.filter(pk=self.ticket_type.id).exists())

    def test_a_type_with_held_seats_is_in_use(self):
        self.reserve(self.ticket_type.id, 1)

        self.assertDeleteFails(StatusCode.FAILED_PRECONDITION, "ticket_type_in_use")
        self.assertTrue(TicketType.objects.filter(pk=self.ticket_type.id).exists())

    def test_a_type_with_sold_seats_is_in_use(self):
        self.paid_order(self.ticket_type.id, 1)

        self.assertDeleteFails(StatusCode.FAILED_PRECONDITION, "ticket_type_in_use")

    def test_a_type_whose_only_order_was_cancelled_is_in_use_all_the_same(self):
        order = self.reserve_order(self.ticket_type.id, 1)
        self.call("CancelOrder", self.CUSTOMER, order_id=order.id)
        self.assertEqual((self.row(self.ticket_type.id).held, self.row(self.ticket_type.id).sold), (0, 0))

        self.assertDeleteFails(StatusCode.FAILED_PRECONDITION, "ticket_type_in_use")

    def test_another_organizer_is_permission_denied(self):
        self.assertDeleteFails(StatusCode.PERMISSION_DENIED, "permission_denied", self.OTHER_ORGANIZER)
        self.assertTrue(TicketType.objects.filter(pk=self.ticket_type.id).exists())

    def test_a_type_of_a_cancelled_event_is_event_cancelled(self):
        self.cancel_event(self.event.id)

        self.assertDeleteFails(StatusCode.FAILED_PRECONDITION, "event_cancelled")

    def test_an_unknown_type_or_one_of_another_event_is_not_found(self):
        other = self.make_ticket_type()

        self.assertDeleteFails(StatusCode.NOT_FOUND, "not_found", ticket_type_id=987654321)
        self.assertDeleteFails(StatusCode.NOT_FOUND, "not_found", ticket_type_id=other.id)
        self.assertTrue(TicketType.objects.filter(pk=other.id).exists())

    def test_reserving_a_deleted_type_is_not_found(self):
        self.call("DeleteTicketType", self.ORGANIZER, event_id=self.event.id, ticket_type_id=self.ticket_type.id)

        self.assertFails(
            StatusCode.NOT_FOUND, "not_found", "ReserveSeats", self.CUSTOMER, ticket_type_id=self.ticket_type.id,
            quantity=1,
        )  # fmt: skip

    def test_a_reservation_of_a_type_deleted_after_it_was_read_is_not_found(self):
        check = holds.refuse_outside_sale_window

        def deleted_meanwhile(ticket_type, now):  # runs between the reservation's read of the type and its hold
            TicketType.objects.filter(pk=self.ticket_type.id).delete()
            return check(ticket_type, now)

        with mock.patch.object(holds, "refuse_outside_sale_window", deleted_meanwhile):
            self.assertFails(
                StatusCode.NOT_FOUND, "not_found", "ReserveSeats", self.CUSTOMER, ticket_type_id=self.ticket_type.id,
                quantity=1,
            )  # fmt: skip
