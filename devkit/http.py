"""A tiny JSON-over-HTTP client for tests and benchmarks that drive the real gateway process."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from servicekit.timestamps import iso_text


@dataclass
class HttpResponse:
    status: int
    body: dict | list | None
    headers: dict


class JsonClient:
    def __init__(self, base_url: str, timeout: float = 15):
        self.base_url = base_url
        self.timeout = timeout
        self.token: str | None = None

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None) -> HttpResponse:
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        request = urllib.request.Request(  # noqa: S310 - the test's own http URL
            url, method=method, data=json.dumps(data).encode() if data is not None else None
        )
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - as above
                return self._read(response.status, response)
        except urllib.error.HTTPError as error:
            return self._read(error.code, error)

    @staticmethod
    def _read(status: int, response) -> HttpResponse:
        raw = response.read()
        return HttpResponse(status, json.loads(raw) if raw else None, dict(response.headers))

    def get(self, path: str, **kwargs) -> HttpResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> HttpResponse:
        return self.request("POST", path, data if data is not None else {}, **kwargs)

    def patch(self, path: str, data: dict, **kwargs) -> HttpResponse:
        return self.request("PATCH", path, data, **kwargs)

    def delete(self, path: str, **kwargs) -> HttpResponse:
        return self.request("DELETE", path, **kwargs)

    def login_as_new_user(self, email: str, role: str, password: str = "correct-horse-battery-staple") -> dict:  # noqa: S107
        """Register a user, log in, and send their token from now on."""
        registered = self.post(
            "/api/auth/register/", {"email": email, "password": password, "full_name": email, "role": role}
        )
        assert registered.status == 201, registered.body
        tokens = self.post("/api/auth/token/", {"email": email, "password": password})
        assert tokens.status == 200, tokens.body
        self.token = tokens.body["access"]
        return registered.body

    def create_event(
        self, starts_in: timedelta = timedelta(days=30), capacity: int = 10, price: str = "30.00", **fields
    ) -> tuple[dict, dict]:
        """As an organizer: a published event in Blue Hall starting `starts_in` from now, for 3
        hours, with one ticket type "Seat"; returns both. `fields` override the event's."""
        starts = datetime.now(UTC) + starts_in
        event = self.post(
            "/api/events/",
            {
                "name": f"Concert {uuid.uuid4().hex[:6]}",
                "venue": "Blue Hall",
                "starts_at": iso_text(starts),
                "ends_at": iso_text(starts + timedelta(hours=3)),
                **fields,
            },
        )
        assert event.status == 201, event.body
        ticket_type = self.post(
            f"/api/events/{event.body['id']}/ticket-types/", {"name": "Seat", "price": price, "capacity": capacity}
        )
        assert ticket_type.status == 201, ticket_type.body
        return event.body, ticket_type.body
