"""The kit's SQL (servicekit.sql) reads and writes rows as the ORM does: the instances it builds equal
the ORM's own, field for field, on whichever database the tests run. (Its tests are here, not in the
kit: they need models, and the tickets' are those of the purchase path it runs.)"""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

from django.db import IntegrityError, connection, transaction
from django.test import TestCase
from django.utils import timezone

from servicekit import outbox, sql, tracing
from servicekit.identity import CUSTOMER, Caller
from ticket_service.tickets.models import Order, OrderLine, OutboxMessage, Ticket, TicketType, Voucher
from ticket_service.tickets.services.errors import OrderNotFound
from ticket_service.tickets.services.selectors import order_lines, own_order_with_lines

BUYER = Caller(user_id=7, role=CUSTOMER)


def inserts(returning: bool):
    """The database's inserts with RETURNING (MariaDB, SQLite) or, if not `returning`, as MySQL's are:
    no RETURNING, a row's id the connection's last insert id."""
    return mock.patch.object(type(connection.features), "can_return_rows_from_bulk_insert", returning)


def ways_to_insert() -> tuple[bool, ...]:
    """`returning` for inserts(): with RETURNING where the database has it, and without."""
    return (True, False) if connection.features.can_return_rows_from_bulk_insert else (False,)


def fields(instance) -> dict:
    """The instance's field values (and cached relations left out)."""
    return {name: value for name, value in vars(instance).items() if not name.startswith("_")}


class SqlRowsTests(TestCase):
    def setUp(self):
        now = timezone.now()
        self.cheap = TicketType.objects.create(event_id=1, name="Cheap", price=1, capacity=10, max_per_customer=3)
        self.hidden = TicketType.objects.create(
            event_id=1, name="Hidden", price="2.50", capacity=10, hidden=True, event_starts_at=now
        )
        voucher = Voucher.objects.create(event_id=1, code="V", discount_kind="amount", discount_value=1, max_uses=5)
        self.order = Order.objects.create(
            user_id=BUYER.user_id,
            email="buyer@example.com",
            full_name="A Buyer",
            event_id=1,
            quantity=3,
            total="5.00",
            currency="USD",
            expires_at=now + timedelta(minutes=10),
            payment_started_at=now,
            voucher=voucher,
            voucher_seats=2,
        )
        # Written in descending type id: the read gives them in ascending order, the lock order.
        OrderLine.objects.create(
            order=self.order, ticket_type=self.hidden, quantity=2, unit_price="2.50", total=4, discount=1
        )
        OrderLine.objects.create(order=self.order, ticket_type=self.cheap, quantity=1, unit_price=1, total=1)

    def test_an_order_read_with_its_lines_is_the_orms(self):
        order = own_order_with_lines(BUYER, self.order.id)

        self.assertEqual(fields(order), fields(Order.objects.get(pk=self.order.id)))
        expected = list(OrderLine.objects.select_related("ticket_type").filter(order=self.order))
        lines = order_lines(order)
        self.assertEqual([line.ticket_type_id for line in lines], [self.cheap.id, self.hidden.id])
        for line, want in zip(lines, expected, strict=True):
            self.assertEqual(fields(line), fields(want))
            self.assertEqual(fields(line.ticket_type), fields(want.ticket_type))
            self.assertIs(line.order, order)
        self.assertEqual(lines[1].attendees, [])
        self.assertIs(lines[1].ticket_type.hidden, True)
        self.assertEqual(lines[1].discount, Decimal("1.00"))
        self.assertFalse(order._state.adding)

    def test_someone_elses_order_and_a_missing_one_are_not_found(self):
        with self.assertRaises(OrderNotFound):
            own_order_with_lines(Caller(user_id=8, role=CUSTOMER), self.order.id)
        with self.assertRaises(OrderNotFound):
            own_order_with_lines(BUYER, self.order.id + 1000)

    def test_a_locked_row_is_the_orms_and_a_missing_one_does_not_exist(self):
        with transaction.atomic():
            self.assertEqual(fields(sql.locked_row(Order, self.order.id)), fields(Order.objects.get(pk=self.order.id)))
            with self.assertRaises(Order.DoesNotExist):
                sql.locked_row(Order, self.order.id + 1000)

    def test_rows_by_pk_are_in_bulks(self):
        ids = [self.cheap.id, self.hidden.id, self.hidden.id + 1000]
        rows = sql.rows_by_pk(TicketType, ids)
        self.assertEqual(
            {pk: fields(row) for pk, row in rows.items()},
            {pk: fields(row) for pk, row in TicketType.objects.in_bulk(ids).items()},
        )
        self.assertEqual(sql.rows_by_pk(TicketType, []), {})

    def test_inserted_rows_read_back_as_written(self):
        tickets = sql.insert(
            [
                Ticket(order=self.order, user_id=7, event_id=1, ticket_type=self.cheap, code=code, holder_name="A")
                for code in ("one", "two")
            ]
        )

        stored = list(Ticket.objects.filter(order=self.order).order_by("id"))
        self.assertEqual([ticket.code for ticket in stored], ["one", "two"])
        self.assertEqual(stored[0].status, Ticket.Status.VALID)
        self.assertIsNotNone(stored[0].created_at)
        if all(ticket.pk is not None for ticket in tickets):  # the database returned their ids (not MySQL)
            self.assertEqual([fields(ticket) for ticket in tickets], [fields(ticket) for ticket in stored])

    def test_update_row_sets_the_fields_given(self):
        now = timezone.now()
        self.assertEqual(sql.update_row(Order, self.order.id, status=Order.Status.PAID, paid_at=now), 1)

        order = Order.objects.get(pk=self.order.id)
        self.assertEqual((order.status, order.paid_at), (Order.Status.PAID, now))
        self.assertEqual(order.updated_at, self.order.updated_at)  # not given: left alone
        self.assertEqual(sql.update_row(Order, self.order.id + 1000, status=Order.Status.PAID), 0)

    def test_update_row_changes_nothing_where_its_conditions_do_not_hold(self):
        Order.objects.filter(pk=self.order.id).update(payment_started_at=None)
        started = timezone.now()
        reserved = {"status": Order.Status.RESERVED, "payment_started_at": None}  # None: IS NULL

        first = sql.update_row(Order, self.order.id, where=reserved, payment_started_at=started)
        again = sql.update_row(Order, self.order.id, where=reserved, payment_started_at=timezone.now())

        self.assertEqual((first, again), (1, 0))
        self.assertEqual(Order.objects.get(pk=self.order.id).payment_started_at, started)

    def test_one_inserted_row_has_its_id_with_or_without_returning(self):
        for returning in ways_to_insert():
            with self.subTest(returning=returning), inserts(returning):
                new = Ticket(order=self.order, user_id=7, event_id=1, ticket_type=self.cheap, code=f"c{returning}")
                (ticket,) = sql.insert([new])

                self.assertIsNotNone(ticket.pk)
                self.assertEqual(fields(ticket), fields(Ticket.objects.get(pk=ticket.pk)))
                self.assertFalse(ticket._state.adding)

    def test_several_rows_without_returning_are_written_without_their_ids(self):
        with inserts(returning=False):
            tickets = sql.insert(
                [Ticket(order=self.order, user_id=7, event_id=1, ticket_type=self.cheap, code=c) for c in "ab"]
            )

        self.assertEqual([ticket.pk for ticket in tickets], [None, None])
        self.assertEqual(Ticket.objects.filter(order=self.order).count(), 2)

    def test_an_insert_that_fails_marks_the_transaction_for_rollback(self):
        Ticket.objects.create(order=self.order, user_id=7, event_id=1, ticket_type=self.cheap, code="taken")
        with transaction.atomic():
            with self.assertRaises(IntegrityError):
                sql.insert([Ticket(order=self.order, user_id=7, event_id=1, ticket_type=self.cheap, code="taken")])
            self.assertTrue(transaction.get_rollback())

    def test_a_column_read_alone_is_converted_as_the_orm_converts_it(self):
        started = sql.column(Order, "payment_started_at")
        statement = f"SELECT {started} FROM {sql.table(Order)} WHERE {sql.column(Order, 'pk')} = %s"
        (value,) = sql.fetch(statement, [self.order.id])[0]

        converted = sql.python_value(Order, "payment_started_at", value)
        self.assertEqual(converted, Order.objects.get(pk=self.order.id).payment_started_at)
        self.assertIsNotNone(converted.tzinfo)


class OutboxEnqueueTests(TestCase):
    def test_a_message_is_the_row_objects_create_wrote_with_the_request_id(self):
        for returning in ways_to_insert():
            request_id = f"request-{returning}"
            with self.subTest(returning=returning), inserts(returning), tracing.request_id_context(request_id):
                with transaction.atomic():
                    message = outbox.enqueue(OutboxMessage, "notifications.order_paid", order_id=5, lines=[{"n": 1}])

                stored = OutboxMessage.objects.get(pk=message.pk)
                self.assertEqual(fields(message), fields(stored))
                self.assertEqual(
                    (stored.task_name, stored.kwargs, stored.request_id),
                    ("notifications.order_paid", {"order_id": 5, "lines": [{"n": 1}]}, request_id),
                )
                self.assertEqual((stored.sent_at, stored.attempts, stored.last_error), (None, 0, ""))
                self.assertIsNotNone(stored.created_at)
