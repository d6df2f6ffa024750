"""simplejwt's access-token authentication, without a database read per request: each gunicorn
worker keeps the users it authenticated for USER_CACHE_SECONDS. Saving or deleting a user through
the model (the admin, the API) writes a UserChange row and forgets the user in the worker that saved
it at once; every other worker and replica reads the rows written since it last looked, at most once
per USER_CHANGES_POLL_SECONDS (a statement a second, whatever its traffic), and forgets those users
too. A change made around the model (QuerySet.update, SQL) writes no row: the workers believe their
copy until it is USER_CACHE_SECONDS old. The README states both costs.

A worker also keeps the access tokens it validated until they expire: a token is immutable and
nothing revokes one before its expiry, so checking its signature again would only cost the time."""

from __future__ import annotations

import copy
import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from gateway_project.accounts.models import User, UserChange

log = logging.getLogger("microtix.auth")

# Bounded: a worker forgets every user (token) at once past it (a flood of one-request users, say).
MAX_CACHED_USERS = 10_000
# A worker asks for the changes from this long before it last looked: a save's transaction commits
# after its row's time, and the gateways writing the rows may run clocks that far apart.
CHANGES_MARGIN = timedelta(seconds=10)
# A change row is read for CHANGES_MARGIN; it is deleted after this.
CHANGES_KEPT = timedelta(days=1)

_users: dict[object, tuple[float, User]] = {}
# raw token -> (when it expires, epoch seconds, leeway included; the validated token)
_tokens: dict[bytes, tuple[float, Token]] = {}
# When this worker last looked for changes (monotonic; None: never) and from when it asks next time.
_changes: dict[str, object] = {"looked_at": None, "since": None}
_looking = threading.Lock()


class CachedUserJWTAuthentication(JWTAuthentication):
    """JWTAuthentication whose token -> user lookup is remembered USER_CACHE_SECONDS (0: never), and
    whose validated tokens are remembered until they expire."""

    def __init__(self) -> None:
        # DRF makes one per request; JWTAuthentication's own looks the user model up in the app registry
        # each time (2% of the gateway's CPU in a flash sale). It is this one, AUTH_USER_MODEL.
        self.user_model = User

    def get_validated_token(self, raw_token: bytes) -> Token:
        cached = _tokens.get(raw_token)
        if cached is not None and time.time() < cached[0]:
            return cached[1]
        token = super().get_validated_token(raw_token)  # refuses a bad signature, type or expiry
        if len(_tokens) >= MAX_CACHED_USERS:
            _tokens.clear()
        leeway = token.get_token_backend().get_leeway().total_seconds()
        _tokens[raw_token] = (token["exp"] + leeway, token)
        return token

    def get_user(self, validated_token) -> User:
        if settings.USER_CACHE_SECONDS <= 0:
            return super().get_user(validated_token)  # no copies, so no changes to look for
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        forget_changed_users()
        now = time.monotonic()
        cached = _users.get(user_id)
        if cached is not None and cached[0] > now:
            return copy.copy(cached[1])  # a request's own: nothing it sets on it is seen by another
        user = super().get_user(validated_token)  # refuses a missing or inactive user
        if len(_users) >= MAX_CACHED_USERS:
            _users.clear()
        _users[user_id] = (now + settings.USER_CACHE_SECONDS, user)
        return user


def forget_user(user_id) -> None:
    """The next request of this user reads its row again (in this process)."""
    _users.pop(user_id, None)
    _users.pop(str(user_id), None)


def forget_all() -> None:
    """This worker as it starts: no user nor token kept, no look for changes made yet."""
    _users.clear()
    _tokens.clear()
    _changes.update(looked_at=None, since=None)


def forget_changed_users() -> None:
    """Forget the users any worker saved or deleted since this one last looked, if that was at least
    USER_CHANGES_POLL_SECONDS ago (one thread looks; the others go on meanwhile). A worker's first
    look only notes the time: it has no copy of anyone yet."""
    looked_at = _changes["looked_at"]
    if looked_at is not None and time.monotonic() - looked_at < settings.USER_CHANGES_POLL_SECONDS:
        return
    if not _looking.acquire(blocking=False):
        return
    try:
        started = timezone.now()
        if _changes["since"] is not None:
            try:
                changed = set(
                    UserChange.objects.filter(changed_at__gte=_changes["since"]).values_list("user_id", flat=True)
                )
            except DatabaseError as exc:
                # A database that cannot be read takes no saves either: keep the copies, and ask
                # from the same time at the next look.
                log.warning("could not read the users changed elsewhere (%s); looking again in a moment", exc)
                return
            for user_id in changed:
                forget_user(user_id)
        _changes["since"] = started - CHANGES_MARGIN
    finally:
        _changes["looked_at"] = time.monotonic()
        _looking.release()


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def _forget_saved_user(sender, instance: User, created: bool = False, update_fields=None, **kwargs) -> None:
    forget_user(instance.pk)
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return  # no worker has a copy of a new user; a login changes nothing a request reads
    now = timezone.now()
    UserChange.objects.filter(changed_at__lt=now - CHANGES_KEPT).delete()
    UserChange.objects.create(user_id=instance.pk, changed_at=now)
