from rest_framework.permissions import BasePermission, IsAuthenticated

from gateway_project.accounts.models import User


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
