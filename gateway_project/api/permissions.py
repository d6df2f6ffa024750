from rest_framework.permissions import BasePermission, IsAuthenticated

from gateway_project.accounts.models import User
from protos.events.v1 import events_pb2

# Who may use an event's unsafe methods, by the EventRole the events service gives the caller (platform
# staff are its organizers): the browsable API shows those methods' forms to them only (`form_roles`).
EVENT_OWNER = frozenset({events_pb2.EVENT_ROLE_ORGANIZER})  # cancelling it, its door staff
EVENT_DESK = frozenset({events_pb2.EVENT_ROLE_ORGANIZER, events_pb2.EVENT_ROLE_MANAGER})  # the rest


class IsOrganizer(BasePermission):
    """Organizers (and staff, who may act for any organizer)."""

    message = "Only organizers can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.role == User.Role.ORGANIZER or user.is_staff))


class IsCustomer(BasePermission):
    message = "Only customers can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role == User.Role.CUSTOMER)


class ActsForEvent(IsAuthenticated):
    """Any signed-in user, to be judged by the services on the event at hand: its organizer, its
    managers and scanners (door staff may be customers' accounts), platform staff."""
