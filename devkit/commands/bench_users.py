"""Users for `make bench`: many at once, each with an access token, without logging in.

    python -m devkit.run gateway_project devkit.commands.bench_users --count 1600 [--role customer] [--prefix bench]

Prints one JSON object per line: {"id", "email", "full_name", "role", "access"}. The users get
no usable password (hashing 1,600 Argon2 passwords would dominate the benchmark's setup, and
nobody should log in as them); their access tokens are the ones a login would give (same
claims, same signing key). Existing users with the same emails are reused.
"""

from __future__ import annotations

import json

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gateway_project.accounts.models import User
from gateway_project.accounts.serializers import TokenObtainSerializer

BATCH = 1000


class Command(BaseCommand):
    help = "Create benchmark users in bulk (no usable password) and print each with an access token, as JSON lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--role", choices=User.Role.values, default=User.Role.CUSTOMER)
        parser.add_argument("--prefix", default="bench", help="Emails are <prefix>-<role>-<n>@example.com.")

    def handle(self, *args, count: int, role: str, prefix: str, **options) -> None:
        if count < 1:
            raise CommandError("--count must be at least 1.")
        emails = [f"{prefix}-{role}-{n}@example.com" for n in range(1, count + 1)]
        unusable = make_password(None)  # the same "no password" marker for every row: no hashing
        for start in range(0, count, BATCH):
            User.objects.bulk_create(
                [
                    User(email=email, full_name=f"Bench {role.title()} {n}", role=role, password=unusable)
                    for n, email in enumerate(emails[start : start + BATCH], start=start + 1)
                ],
                ignore_conflicts=True,
            )
        users = {user.email: user for user in User.objects.filter(email__in=emails)}
        for email in emails:
            user = users[email]
            if user.role != role:
                raise CommandError(f"{email} exists with role {user.role}.")
            access = str(TokenObtainSerializer.get_token(user).access_token)
            row = {"id": user.id, "email": user.email, "full_name": user.full_name, "role": user.role, "access": access}
            self.stdout.write(json.dumps(row))
