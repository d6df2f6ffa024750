"""Door staff: the organizer gives email addresses a role on one event (InviteEventStaff,
ListEventStaff, RemoveEventStaff), and GetEvent tells each caller their role on it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from grpc import StatusCode

from devkit.databases import only_on_mysql
from event_service.events.models import EventStaff, OutboxMessage
from event_service.events.tests.support import (
    ANONYMOUS,
    CUSTOMER,
    ORGANIZER,
    OTHER_ORGANIZER,
    STAFF,
    EventServiceTestCase,
    EventServiceWithTicketsTestCase,
)
from protos.events.v1 import events_pb2
from servicekit.identity import Caller

MANAGER = events_pb2.EVENT_ROLE_MANAGER
SCANNER = events_pb2.EVENT_ROLE_SCANNER
AS_MANAGER = Caller(user_id=21, role="customer", email="manager@example.com")
AS_SCANNER = Caller(user_id=22, role="organizer", email="scanner@example.com")


class StaffTestCase(EventServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.create()

    def invite(self, email: str, role: int, caller: Caller = ORGANIZER, event_id: int | None = None):
        request = events_pb2.InviteEventStaffRequest(event_id=event_id or self.event.id, email=email, role=role)
        return self.client.InviteEventStaff(request, caller=caller)

    def role_of(self, caller: Caller) -> int:
        return self.call("GetEvent", id=self.event.id, caller=caller).caller_role


class InviteEventStaffTests(StaffTestCase):
    def test_organizer_invites_an_address_with_a_role(self):
        member = self.invite(" Door@Example.com ", SCANNER)

        self.assertEqual((member.event_id, member.email, member.role), (self.event.id, "door@example.com", SCANNER))

    def test_inviting_an_address_again_changes_its_role(self):
        first = self.invite("door@example.com", SCANNER)

        again = self.invite("DOOR@example.com", MANAGER)

        self.assertEqual((again.id, again.role), (first.id, MANAGER))
        self.assertEqual(EventStaff.objects.filter(event_id=self.event.id).count(), 1)

    def test_each_new_role_of_an_address_is_emailed_once(self):
        first = self.invite("door@example.com", SCANNER)
        self.invite("door@example.com", SCANNER)
        self.invite("door@example.com", MANAGER)

        promised = OutboxMessage.objects.filter(task_name="notifications.staff_invited").order_by("id")

        self.assertEqual(
            [message.kwargs for message in promised],
            [
                {"member_id": first.id, "event_id": self.event.id, "email": "door@example.com", "role": role}
                for role in ("scanner", "manager")
            ],
        )

    def test_platform_staff_may_invite(self):
        self.assertEqual(self.invite("door@example.com", SCANNER, caller=STAFF).role, SCANNER)

    def test_a_manager_may_not_invite(self):
        self.invite(AS_MANAGER.email, MANAGER)
        request = events_pb2.InviteEventStaffRequest(event_id=self.event.id, email="x@example.com", role=SCANNER)

        self.assertFails(StatusCode.PERMISSION_DENIED, "InviteEventStaff", request, caller=AS_MANAGER)

    def test_another_organizer_may_not_invite(self):
        request = events_pb2.InviteEventStaffRequest(event_id=self.event.id, email="x@example.com", role=SCANNER)

        self.assertFails(StatusCode.PERMISSION_DENIED, "InviteEventStaff", request, caller=OTHER_ORGANIZER)

    def test_an_invalid_email_is_refused_on_its_field(self):
        request = events_pb2.InviteEventStaffRequest(event_id=self.event.id, email="not an email", role=SCANNER)

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "InviteEventStaff", request, caller=ORGANIZER)

        self.assertEqual(list(error.field_errors), ["email"])

    def test_the_organizer_role_cannot_be_given(self):
        request = events_pb2.InviteEventStaffRequest(
            event_id=self.event.id, email="x@example.com", role=events_pb2.EVENT_ROLE_ORGANIZER
        )

        error = self.assertFails(StatusCode.INVALID_ARGUMENT, "InviteEventStaff", request, caller=ORGANIZER)

        self.assertEqual(list(error.field_errors), ["role"])

    def test_an_unknown_event_is_not_found(self):
        request = events_pb2.InviteEventStaffRequest(event_id=999999, email="x@example.com", role=SCANNER)

        self.assertFails(StatusCode.NOT_FOUND, "InviteEventStaff", request, caller=ORGANIZER)


class CallerRoleTests(StaffTestCase):
    def test_the_owner_is_the_organizer(self):
        self.assertEqual(self.role_of(ORGANIZER), events_pb2.EVENT_ROLE_ORGANIZER)

    def test_platform_staff_act_as_the_organizer(self):
        self.assertEqual(self.role_of(STAFF), events_pb2.EVENT_ROLE_ORGANIZER)

    def test_an_invited_address_has_its_role(self):
        self.invite(AS_MANAGER.email, MANAGER)
        self.invite(AS_SCANNER.email, SCANNER)

        self.assertEqual((self.role_of(AS_MANAGER), self.role_of(AS_SCANNER)), (MANAGER, SCANNER))

    def test_an_address_is_matched_whatever_its_case(self):
        self.invite("door@example.com", SCANNER)

        self.assertEqual(self.role_of(Caller(user_id=30, role="customer", email="Door@Example.COM")), SCANNER)

    def test_an_internationalized_address_travels_and_matches(self):
        self.invite("kassa@bücher.example", SCANNER)

        self.assertEqual(self.role_of(Caller(user_id=31, role="customer", email="kassa@bücher.example")), SCANNER)

    def test_a_role_on_one_event_is_none_on_another(self):
        self.invite(AS_SCANNER.email, SCANNER)
        other = self.create()

        self.assertEqual(
            self.call("GetEvent", id=other.id, caller=AS_SCANNER).caller_role, events_pb2.EVENT_ROLE_UNSPECIFIED
        )

    def test_anyone_else_has_no_role(self):
        roles = {self.role_of(caller) for caller in (CUSTOMER, OTHER_ORGANIZER, ANONYMOUS)}

        self.assertEqual(roles, {events_pb2.EVENT_ROLE_UNSPECIFIED})

    def test_an_address_without_a_signed_in_caller_has_no_role(self):
        self.invite("door@example.com", SCANNER)

        self.assertEqual(self.role_of(Caller(email="door@example.com")), events_pb2.EVENT_ROLE_UNSPECIFIED)


class ListAndRemoveEventStaffTests(StaffTestCase):
    def test_the_organizer_lists_staff_in_order_of_invitation(self):
        self.invite("b@example.com", MANAGER)
        self.invite("a@example.com", SCANNER)

        members = self.call("ListEventStaff", event_id=self.event.id, caller=ORGANIZER).members

        self.assertEqual([(m.email, m.role) for m in members], [("b@example.com", MANAGER), ("a@example.com", SCANNER)])

    def test_a_manager_may_not_list_staff(self):
        self.invite(AS_MANAGER.email, MANAGER)

        self.assertFails(
            StatusCode.PERMISSION_DENIED,
            "ListEventStaff",
            events_pb2.ListEventStaffRequest(event_id=self.event.id),
            caller=AS_MANAGER,
        )

    def test_a_member_lists_the_events_they_are_staff_of(self):
        other = self.create()
        self.create()  # not theirs
        for event in (self.event, other):
            self.invite(AS_SCANNER.email, SCANNER, event_id=event.id)

        listed = self.call("ListEvents", staffed=True, caller=AS_SCANNER).events

        self.assertEqual([event.id for event in listed], [self.event.id, other.id])

    def test_an_anonymous_caller_is_staff_of_nothing(self):
        self.invite("door@example.com", SCANNER)

        self.assertEqual(
            list(self.call("ListEvents", staffed=True, caller=Caller(email="door@example.com")).events), []
        )

    def test_a_removed_member_has_no_role_any_more(self):
        member = self.invite(AS_SCANNER.email, SCANNER)

        self.call("RemoveEventStaff", event_id=self.event.id, id=member.id, caller=ORGANIZER)

        self.assertEqual(self.role_of(AS_SCANNER), events_pb2.EVENT_ROLE_UNSPECIFIED)

    def test_removing_a_member_of_another_event_is_not_found(self):
        other = self.create()
        member = self.invite("door@example.com", SCANNER, event_id=other.id)

        self.assertFails(
            StatusCode.NOT_FOUND,
            "RemoveEventStaff",
            events_pb2.RemoveEventStaffRequest(event_id=self.event.id, id=member.id),
            caller=ORGANIZER,
        )
        self.assertTrue(EventStaff.objects.filter(pk=member.id).exists())

    def test_a_manager_may_not_remove_staff(self):
        self.invite(AS_MANAGER.email, MANAGER)
        member = self.invite("door@example.com", SCANNER)

        self.assertFails(
            StatusCode.PERMISSION_DENIED,
            "RemoveEventStaff",
            events_pb2.RemoveEventStaffRequest(event_id=self.event.id, id=member.id),
            caller=AS_MANAGER,
        )


class StaffActingForTheEventTests(EventServiceWithTicketsTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.create()
        for caller, role in ((AS_MANAGER, MANAGER), (AS_SCANNER, SCANNER)):
            request = events_pb2.InviteEventStaffRequest(event_id=self.event.id, email=caller.email, role=role)
            self.client.InviteEventStaff(request, caller=ORGANIZER)

    def test_a_manager_changes_the_event(self):
        event = self.call("UpdateEvent", id=self.event.id, venue="Hall B", caller=AS_MANAGER)

        self.assertEqual((event.venue, event.caller_role), ("Hall B", MANAGER))

    def test_a_scanner_may_not_change_the_event(self):
        request = events_pb2.UpdateEventRequest(id=self.event.id, venue="Hall B")

        self.assertFails(StatusCode.PERMISSION_DENIED, "UpdateEvent", request, caller=AS_SCANNER)

    def test_a_manager_may_not_cancel_the_event(self):
        request = events_pb2.CancelEventRequest(id=self.event.id)

        self.assertFails(StatusCode.PERMISSION_DENIED, "CancelEvent", request, caller=AS_MANAGER)

    def test_no_one_is_invited_to_a_cancelled_event(self):
        self.call("CancelEvent", id=self.event.id, caller=ORGANIZER)
        request = events_pb2.InviteEventStaffRequest(event_id=self.event.id, email="x@example.com", role=SCANNER)

        error = self.assertFails(StatusCode.FAILED_PRECONDITION, "InviteEventStaff", request, caller=ORGANIZER)

        self.assertEqual(error.code, "event_cancelled")


@only_on_mysql("racing invitations need transactions side by side")
class SimultaneousInvitationTests(StaffTestCase):
    def test_racing_invitations_of_one_address_leave_one_row(self):
        calls = 12
        barrier = threading.Barrier(calls)

        def invite(index: int):
            barrier.wait()
            return self.invite("door@example.com", MANAGER if index % 2 else SCANNER)

        with ThreadPoolExecutor(max_workers=calls) as pool:
            members = list(pool.map(invite, range(calls)))

        self.assertEqual(len({member.id for member in members}), 1)
        self.assertEqual(EventStaff.objects.filter(event_id=self.event.id, email="door@example.com").count(), 1)
