"""What every back-office page shares: the admin page context and the page shown when a service call fails."""

from datetime import UTC, datetime

from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import render
from django.utils import formats
from django.utils.dateparse import parse_datetime

from servicekit import errors


def page_context(request, title: str, section: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, "app_name": section, **extra}


def local_datetime(moment: datetime | str | None) -> str:
    """A date and time as every back-office page shows it: in the active locale's DATETIME_FORMAT
    (the admin's own), in UTC and saying so. An ISO string (a serializer's) is read first; None: ""."""
    if isinstance(moment, str):
        moment = parse_datetime(moment)
    if moment is None:
        return ""
    return f"{formats.date_format(moment.astimezone(UTC), 'DATETIME_FORMAT')} UTC"


def failure(exc: errors.DomainError) -> str:
    """Why a service call failed, in words for an admin message."""
    if exc.http_status == 503:  # unavailable (not failed): worth trying again
        return f"The {exc.service} service is unavailable; try again shortly."
    return f"The {exc.service} service refused: {exc.message or exc.status.name}"


def remote_error_page(request, template: str, context: dict, exc: errors.DomainError):
    """Unknown event: 404. Any other failure: the page, with the reason in an admin error message."""
    if isinstance(exc, errors.NotFound):
        raise Http404(exc.message)
    messages.error(request, failure(exc))
    response = render(request, template, context, status=exc.http_status)
    if response.status_code == 503:
        response["Retry-After"] = "5"
    return response
