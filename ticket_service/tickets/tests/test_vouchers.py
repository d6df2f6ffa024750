"""Vouchers of an event: its organizer creates them (one chosen code, or many random ones at
once), lists them with their uses and deactivates one."""

from grpc import StatusCode

from servicekit.timestamps import to_timestamp
from ticket_service.tickets.models import Voucher
from ticket_service.tickets.services.vouchers import CODE_ALPHABET, RANDOM_CODE_LENGTH
from ticket_service.tickets.tests.support import TicketServiceTestCase, from_now


class VoucherTestCase(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()

    def create(self, caller=None, **fields):
        fields = {"discount_kind": "percent", "discount_value": "10", **fields}
        if "code" not in fields and "count" not in fields:
            fields["code"] = "EARLYBIRD"
        return self.call("CreateVouchers", caller or self.ORGANIZER, event_id=self.event.id, **fields).vouchers

    def create_fails(self, error_code: str | None = None, caller=None, **fields):
        fields = {"discount_kind": "percent", "discount_value": "10", **fields}
        status = StatusCode.INVALID_ARGUMENT if error_code is None else StatusCode.PERMISSION_DENIED
        return self.assertFails(
            status, error_code, "CreateVouchers", caller or self.ORGANIZER, event_id=self.event.id, **fields
        )


class CreateVouchersTests(VoucherTestCase):
    def test_an_organizer_creates_a_voucher_with_a_chosen_code(self):
        (voucher,) = self.create(code="earlybird", discount_kind="amount", discount_value="5", max_uses=20)

        self.assertEqual((voucher.code, voucher.discount_kind, voucher.discount_value), ("EARLYBIRD", "amount", "5.00"))
        self.assertEqual((voucher.max_uses, voucher.uses, voucher.active), (20, 0, True))
        self.assertTrue(Voucher.objects.filter(pk=voucher.id, event_id=self.event.id).exists())

    def test_a_count_creates_that_many_distinct_random_codes(self):
        vouchers = self.create(count=25)

        codes = {voucher.code for voucher in vouchers}
        self.assertEqual(len(codes), 25)
        for code in codes:
            self.assertEqual(len(code), RANDOM_CODE_LENGTH)
            self.assertLessEqual(set(code), set(CODE_ALPHABET))
        self.assertEqual(Voucher.objects.filter(event_id=self.event.id).count(), 25)

    def test_a_voucher_may_be_limited_to_some_ticket_types_and_to_a_period(self):
        ticket_type = self.make_ticket_type(event_id=self.event.id)
        valid_from, valid_until = from_now(days=1), from_now(days=2)

        (voucher,) = self.create(
            ticket_type_ids=[ticket_type.id],
            valid_from=to_timestamp(valid_from),
            valid_until=to_timestamp(valid_until),
            unlocks_hidden=True,
        )

        self.assertEqual(list(voucher.ticket_type_ids), [ticket_type.id])
        self.assertEqual(voucher.valid_until.ToDatetime().date(), valid_until.date())
        self.assertTrue(voucher.unlocks_hidden)

    def test_a_code_taken_in_the_event_in_any_case_is_invalid(self):
        self.create(code="SUMMER")

        error = self.create_fails(code="summer")

        self.assertEqual(list(error.field_errors), ["code"])

    def test_a_code_and_a_count_together_are_invalid(self):
        error = self.create_fails(code="SUMMER", count=3)

        self.assertEqual(list(error.field_errors), ["code"])

    def test_bad_discounts_are_invalid(self):
        cases = (("percent", "0"), ("percent", "101"), ("amount", "-1"), ("price", "x"), ("half", "5"))
        for number, (kind, value) in enumerate(cases):
            with self.subTest(kind=kind, value=value):
                error = self.create_fails(code=f"BAD{number}", discount_kind=kind, discount_value=value)

                self.assertEqual(list(error.field_errors), ["discount_kind" if kind == "half" else "discount_value"])

    def test_a_presale_code_may_discount_nothing(self):
        (voucher,) = self.create(code="PRESALE", discount_value="0", unlocks_hidden=True)

        self.assertEqual((voucher.discount_value, voucher.unlocks_hidden), ("0.00", True))

    def test_a_ticket_type_of_another_event_is_invalid(self):
        other = self.make_ticket_type()

        error = self.create_fails(code="OTHER", ticket_type_ids=[other.id])

        self.assertEqual(list(error.field_errors), ["ticket_type_ids"])

    def test_another_organizer_cannot_create_vouchers(self):
        self.create_fails("permission_denied", caller=self.OTHER_ORGANIZER, code="MINE")

        self.assertFalse(Voucher.objects.filter(event_id=self.event.id).exists())


class ListAndDeactivateVouchersTests(VoucherTestCase):
    def test_vouchers_are_listed_newest_first_with_their_uses(self):
        first, second = self.create(code="FIRST", max_uses=5)[0], self.create(code="SECOND")[0]
        Voucher.objects.filter(pk=first.id).update(uses=3)

        listed = self.call("ListVouchers", self.ORGANIZER, event_id=self.event.id).vouchers

        self.assertEqual([(v.id, v.uses) for v in listed], [(second.id, 0), (first.id, 3)])

    def test_another_organizer_cannot_list_them(self):
        self.create()

        self.assertFails(
            StatusCode.PERMISSION_DENIED, None, "ListVouchers", self.OTHER_ORGANIZER, event_id=self.event.id
        )

    def test_a_deactivated_voucher_stays_listed_as_inactive(self):
        (voucher,) = self.create()

        deactivated = self.call("DeactivateVoucher", self.ORGANIZER, event_id=self.event.id, voucher_id=voucher.id)

        self.assertFalse(deactivated.active)
        self.assertFalse(self.call("ListVouchers", self.ORGANIZER, event_id=self.event.id).vouchers[0].active)

    def test_a_voucher_of_another_event_is_not_found(self):
        (voucher,) = self.create()
        other_event = self.make_event()

        self.assertFails(
            StatusCode.NOT_FOUND, "not_found", "DeactivateVoucher", self.ORGANIZER,
            event_id=other_event.id, voucher_id=voucher.id,
        )  # fmt: skip
        self.assertTrue(Voucher.objects.get(pk=voucher.id).active)
