"""Reserving with a voucher: it discounts the seats of the lines it applies to (one use per seat),
opens the hidden types it unlocks, takes its uses in the transaction that holds the seats, and
gets them back when the hold ends unpaid; a paid order keeps them."""

from decimal import Decimal

from django.test import SimpleTestCase
from grpc import StatusCode

from devkit.databases import only_on_mysql
from protos.tickets.v1 import tickets_pb2
from servicekit.errors import DomainError
from servicekit.timestamps import to_timestamp
from ticket_service.tickets.models import Order, Voucher
from ticket_service.tickets.services.holds import release_expired_holds
from ticket_service.tickets.services.inventory import release
from ticket_service.tickets.services.vouchers import seat_price
from ticket_service.tickets.tests.support import RaceTestCase, TicketServiceTestCase, from_now, new_caller, run_together


def voucher(kind: str, value: str) -> Voucher:
    return Voucher(discount_kind=kind, discount_value=Decimal(value))


class SeatPriceTests(SimpleTestCase):
    def test_a_percentage_comes_off_the_price_rounded_to_the_cent(self):
        self.assertEqual(seat_price(voucher("percent", "15"), Decimal("9.99")), Decimal("8.49"))

    def test_a_hundred_percent_makes_the_seat_free(self):
        self.assertEqual(seat_price(voucher("percent", "100"), Decimal("25.00")), Decimal("0.00"))

    def test_an_amount_comes_off_the_price(self):
        self.assertEqual(seat_price(voucher("amount", "5.00"), Decimal("25.00")), Decimal("20.00"))

    def test_an_amount_above_the_price_makes_the_seat_free_not_negative(self):
        self.assertEqual(seat_price(voucher("amount", "40.00"), Decimal("25.00")), Decimal("0"))

    def test_a_fixed_price_replaces_the_price(self):
        self.assertEqual(seat_price(voucher("price", "12.50"), Decimal("25.00")), Decimal("12.50"))

    def test_a_fixed_price_above_the_price_never_raises_it(self):
        self.assertEqual(seat_price(voucher("price", "30.00"), Decimal("25.00")), Decimal("25.00"))


class VoucherReservationTestCase(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()
        self.adult = self.make_ticket_type(event_id=self.event.id, name="Adult", price="20.00", capacity=50)
        self.child = self.make_ticket_type(event_id=self.event.id, name="Child", price="10.00", capacity=50)

    def make_voucher(self, code: str = "SPRING", **fields) -> Voucher:
        fields = {"discount_kind": "percent", "discount_value": "50", "max_uses": 10, **fields}
        (created,) = self.call("CreateVouchers", self.ORGANIZER, event_id=self.event.id, code=code, **fields).vouchers
        return Voucher.objects.get(pk=created.id)

    def reserve_fails(self, status, error_code, ticket_type_id, quantity=1, caller=None, voucher="SPRING", **fields):
        """Reserving with `voucher` fails with `status` and `error_code`; returns the error."""
        return self.assertFails(
            status,
            error_code,
            "ReserveSeats",
            caller or self.CUSTOMER,
            ticket_type_id=ticket_type_id,
            quantity=quantity,
            voucher=voucher,
            **fields,
        )

    def uses(self, voucher_row: Voucher) -> int:
        return Voucher.objects.get(pk=voucher_row.pk).uses


class DiscountTests(VoucherReservationTestCase):
    def test_a_voucher_discounts_every_seat_of_the_line(self):
        self.make_voucher()

        order = self.reserve(self.adult.id, 2, voucher="SPRING").order

        (line,) = order.lines
        self.assertEqual((line.unit_price, line.discount, line.total), ("20.00", "20.00", "20.00"))
        self.assertEqual((order.total, order.voucher, order.voucher_seats), ("20.00", "SPRING", 2))

    def test_the_code_matches_in_any_case_and_with_spaces_around(self):
        self.make_voucher()

        order = self.reserve(self.adult.id, 1, voucher="  spring ").order

        self.assertEqual((order.total, order.voucher), ("10.00", "SPRING"))

    def test_a_voucher_for_some_types_discounts_only_their_lines(self):
        self.make_voucher(ticket_type_ids=[self.child.id])

        order = self.reserve_lines([(self.adult.id, 2), (self.child.id, 1)], voucher="SPRING").order

        discounts = {line.ticket_type_id: line.discount for line in order.lines}
        self.assertEqual(discounts, {self.adult.id: "0.00", self.child.id: "5.00"})
        self.assertEqual((order.total, order.voucher_seats), ("45.00", 1))

    def test_the_voucher_takes_one_use_per_discounted_seat(self):
        code = self.make_voucher()

        self.reserve_lines([(self.adult.id, 2), (self.child.id, 3)], voucher="SPRING")

        self.assertEqual(self.uses(code), 5)

    def test_an_order_without_a_voucher_is_at_full_price(self):
        order = self.reserve(self.adult.id, 2).order

        self.assertEqual((order.total, order.voucher, order.voucher_seats), ("40.00", "", 0))

    def test_a_voucher_making_the_total_zero_completes_the_order_without_a_charge(self):
        self.make_voucher(discount_value="100")
        order = self.reserve(self.adult.id, 2, voucher="SPRING").order

        paid = self.pay(order.id)

        self.assertEqual((paid.status, paid.total, len(paid.tickets)), (tickets_pb2.ORDER_STATUS_PAID, "0.00", 2))
        self.assertFalse(paid.HasField("payment"))

    def test_a_paid_order_is_charged_its_discounted_total(self):
        self.make_voucher(discount_kind="amount", discount_value="3.00")
        order = self.reserve(self.adult.id, 2, voucher="SPRING").order

        self.pay(order.id)

        self.assertEqual(self.payment_of(order.id).amount, "34.00")


class RefusalTests(VoucherReservationTestCase):
    def test_an_unknown_code_is_invalid_voucher(self):
        self.reserve_fails(StatusCode.NOT_FOUND, "invalid_voucher", self.adult.id, voucher="NOPE")

    def test_a_longer_code_is_not_matched_by_its_first_32_characters(self):
        self.make_voucher(code="A" * 32)

        self.reserve_fails(StatusCode.NOT_FOUND, "invalid_voucher", self.adult.id, voucher="A" * 33)

    def test_a_code_of_another_event_is_invalid_voucher(self):
        self.make_voucher()
        other = self.make_ticket_type(name="Elsewhere")

        self.reserve_fails(StatusCode.NOT_FOUND, "invalid_voucher", other.id)

    def test_a_deactivated_voucher_is_invalid_voucher(self):
        code = self.make_voucher()
        self.call("DeactivateVoucher", self.ORGANIZER, event_id=self.event.id, voucher_id=code.id)

        self.reserve_fails(StatusCode.NOT_FOUND, "invalid_voucher", self.adult.id)

    def test_more_seats_than_uses_left_is_voucher_used_up_with_the_uses_left(self):
        self.make_voucher(max_uses=3)
        self.reserve(self.adult.id, 2, voucher="SPRING")

        error = self.reserve_fails(
            StatusCode.FAILED_PRECONDITION, "voucher_used_up", self.adult.id, quantity=2, caller=self.OTHER_CUSTOMER
        )

        self.assertEqual(error.extra, {"uses_left": 1})

    def test_before_its_validity_is_voucher_expired_with_its_period(self):
        starts = from_now(days=1).replace(microsecond=0)
        self.make_voucher(valid_from=to_timestamp(starts))

        error = self.reserve_fails(StatusCode.FAILED_PRECONDITION, "voucher_expired", self.adult.id)

        self.assertEqual(error.extra["valid_from"], starts.isoformat().replace("+00:00", "Z"))

    def test_after_its_validity_is_voucher_expired(self):
        code = self.make_voucher()
        Voucher.objects.filter(pk=code.pk).update(valid_until=from_now(seconds=-1))

        self.reserve_fails(StatusCode.FAILED_PRECONDITION, "voucher_expired", self.adult.id)

    def test_a_voucher_for_none_of_the_lines_types_is_voucher_not_applicable(self):
        self.make_voucher(ticket_type_ids=[self.child.id])

        error = self.reserve_fails(StatusCode.INVALID_ARGUMENT, "voucher_not_applicable", self.adult.id)

        self.assertEqual(error.extra, {"ticket_type_ids": [self.child.id]})

    def test_a_refused_voucher_holds_no_seat_and_takes_no_use(self):
        code = self.make_voucher(max_uses=1)

        with self.assertRaises(DomainError):
            self.reserve(self.adult.id, 2, voucher="SPRING")

        self.assertEqual((self.row(self.adult.id).held, self.uses(code)), (0, 0))
        self.assertFalse(Order.objects.exists())

    def test_a_sold_out_line_takes_no_use(self):
        code = self.make_voucher()
        small = self.make_ticket_type(event_id=self.event.id, name="Box", capacity=1)

        with self.assertRaises(DomainError):
            self.reserve_lines([(self.adult.id, 1), (small.id, 2)], voucher="SPRING")

        self.assertEqual(self.uses(code), 0)

    def test_the_same_idempotency_key_with_another_voucher_is_refused(self):
        self.make_voucher()
        self.reserve(self.adult.id, 1, idempotency_key="k1", voucher="SPRING")

        self.reserve_fails(
            StatusCode.FAILED_PRECONDITION, "idempotency_key_reused", self.adult.id, idempotency_key="k1", voucher=""
        )

    def test_the_same_idempotency_key_and_voucher_return_the_order_and_take_no_more_uses(self):
        code = self.make_voucher()
        first = self.reserve(self.adult.id, 1, idempotency_key="k1", voucher="SPRING").order

        again = self.reserve(self.adult.id, 1, idempotency_key="k1", voucher="spring")

        self.assertEqual((again.order.id, again.created, self.uses(code)), (first.id, False, 1))


class HiddenTypeTests(VoucherReservationTestCase):
    def setUp(self):
        super().setUp()
        self.presale = self.make_ticket_type(event_id=self.event.id, name="Presale", hidden=True)

    def test_a_hidden_type_is_not_found_without_a_voucher(self):
        self.reserve_fails(StatusCode.NOT_FOUND, "not_found", self.presale.id, voucher="")

    def test_a_voucher_that_unlocks_hidden_types_sells_one(self):
        self.make_voucher(unlocks_hidden=True, discount_kind="price", discount_value="25.00")

        order = self.reserve(self.presale.id, 1, voucher="SPRING").order

        self.assertEqual((order.total, order.voucher_seats), ("25.00", 1))

    def test_a_voucher_that_does_not_unlock_leaves_a_hidden_type_not_found(self):
        self.make_voucher()

        self.reserve_fails(StatusCode.NOT_FOUND, "not_found", self.presale.id)

    def test_an_unlocking_voucher_for_other_types_leaves_a_hidden_type_not_found(self):
        self.make_voucher(unlocks_hidden=True, ticket_type_ids=[self.adult.id])

        self.reserve_fails(StatusCode.NOT_FOUND, "not_found", self.presale.id)


class HiddenTypeListingTests(VoucherReservationTestCase):
    def setUp(self):
        super().setUp()
        self.presale = self.make_ticket_type(event_id=self.event.id, name="Presale", hidden=True)

    def listed(self, **fields) -> list[str]:
        return [
            t.name for t in self.call("ListTicketTypes", self.CUSTOMER, event_id=self.event.id, **fields).ticket_types
        ]

    def test_a_customer_sees_no_hidden_type(self):
        self.assertEqual(self.listed(), ["Adult", "Child"])

    def test_a_voucher_that_unlocks_it_lists_the_hidden_type(self):
        self.make_voucher(unlocks_hidden=True)

        self.assertEqual(self.listed(voucher="spring"), ["Adult", "Child", "Presale"])

    def test_a_voucher_that_does_not_unlock_lists_no_hidden_type(self):
        self.make_voucher()

        self.assertEqual(self.listed(voucher="SPRING"), ["Adult", "Child"])

    def test_an_unknown_code_is_invalid_voucher(self):
        self.assertFails(
            StatusCode.NOT_FOUND,
            "invalid_voucher",
            "ListTicketTypes",
            self.CUSTOMER,
            event_id=self.event.id,
            voucher="NOPE",
        )


class UsesGivenBackTests(VoucherReservationTestCase):
    def test_cancelling_a_reserved_order_gives_its_uses_back(self):
        code = self.make_voucher()
        order = self.reserve(self.adult.id, 3, voucher="SPRING").order

        self.call("CancelOrder", self.CUSTOMER, order_id=order.id)

        self.assertEqual(self.uses(code), 0)

    def test_an_expired_hold_gives_its_uses_back(self):
        code = self.make_voucher()
        order = self.reserve(self.adult.id, 3, voucher="SPRING").order
        self.expire(order.id)

        release_expired_holds()

        self.assertEqual(self.uses(code), 0)

    def test_uses_held_by_a_lapsed_hold_are_not_refused(self):
        self.make_voucher(max_uses=2)
        lapsed = self.reserve(self.adult.id, 2, voucher="SPRING").order
        self.expire(lapsed.id)

        order = self.reserve(self.child.id, 2, self.OTHER_CUSTOMER, voucher="SPRING").order

        self.assertEqual(order.voucher_seats, 2)
        self.assertEqual(self.order_row(lapsed.id).status, Order.Status.EXPIRED)

    def test_a_paid_order_keeps_its_uses(self):
        code = self.make_voucher()
        order = self.reserve(self.adult.id, 3, voucher="SPRING").order

        self.pay(order.id)
        release_expired_holds()

        self.assertEqual(self.uses(code), 3)

    def lapse_while_charged(self, order_id: int) -> None:
        """The card was charged, but the hold lapsed first and its seats and uses went back."""
        Order.objects.filter(pk=order_id).update(payment_started_at=from_now(minutes=-30))
        self.charge_directly(self.order_row(order_id))
        self.expire(order_id)
        release(order_id, Order.Status.EXPIRED, only_expired=True)

    def test_a_hold_paid_after_it_lapsed_takes_its_uses_again(self):
        code = self.make_voucher()
        order = self.reserve(self.adult.id, 2, voucher="SPRING").order
        self.lapse_while_charged(order.id)
        self.assertEqual(self.uses(code), 0)

        paid = self.pay(order.id)

        self.assertEqual((paid.status, self.uses(code)), (tickets_pb2.ORDER_STATUS_PAID, 2))

    def test_a_hold_paid_after_it_lapsed_is_refunded_when_its_uses_went_to_others(self):
        code = self.make_voucher(max_uses=2)
        order = self.reserve(self.adult.id, 2, voucher="SPRING").order
        self.lapse_while_charged(order.id)
        self.reserve(self.child.id, 2, self.OTHER_CUSTOMER, voucher="SPRING")

        self.assertFails(
            StatusCode.FAILED_PRECONDITION, "hold_expired", "PayOrder", self.CUSTOMER, order_id=order.id, card=None
        )

        self.assertEqual((self.order_row(order.id).status, self.uses(code)), (Order.Status.REFUNDED, 2))
        self.assertEqual(self.row(self.adult.id).sold, 0)


@only_on_mysql("racing reservations need a server that runs transactions side by side")
class VoucherRaceTests(RaceTestCase):
    def test_fifty_buyers_racing_for_a_ten_use_code_get_exactly_ten_discounted_seats(self):
        event = self.make_event()
        ticket_type = self.make_ticket_type(event_id=event.id, capacity=100, price="20.00")
        self.call(
            "CreateVouchers",
            self.ORGANIZER,
            event_id=event.id,
            code="RUSH",
            discount_kind="percent",
            discount_value="50",
            max_uses=10,
        )
        buyers = [new_caller("customer") for _ in range(50)]

        results = run_together([lambda b=b: self.reserve(ticket_type.id, 1, b, voucher="RUSH") for b in buyers])

        won = [r for r in results if not isinstance(r, Exception)]
        for lost in (r for r in results if isinstance(r, Exception)):
            self.assertDomainError(lost, StatusCode.FAILED_PRECONDITION, "voucher_used_up")
        self.assertEqual(len(won), 10)
        self.assertEqual({r.order.total for r in won}, {"10.00"})
        self.assertEqual(Voucher.objects.get(code="RUSH").uses, 10)
        self.assertEqual(self.row(ticket_type.id).held, 10)
