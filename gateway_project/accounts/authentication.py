"""simplejwt's access-token authentication, without a database read per request: each gunicorn
worker keeps the users it authenticated for USER_CACHE_SECONDS. Saving a user (deactivating one,
changing a role) forgets it in the worker that saved it at once; the other workers and replicas
believe their copy until it is USER_CACHE_SECONDS old: the cost of the saved read, stated in the
README.

A worker also keeps the access tokens it validated until they expire: a token is immutable and
nothing revokes one before its expiry, so checking its signature again would only cost the time."""

from __future__ import annotations

import copy
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from gateway_project.accounts.models import User

# Bounded: a worker forgets every user (token) at once past it (a flood of one-request users, say).
MAX_CACHED_USERS = 10_000

_users: dict[object, tuple[float, User]] = {}
# raw token -> (when it expires, epoch seconds, leeway included; the validated token)
_tokens: dict[bytes, tuple[float, Token]] = {}


class CachedUserJWTAuthentication(JWTAuthentication):
    """JWTAuthentication whose token -> user lookup is remembered USER_CACHE_SECONDS (0: never), and
    whose validated tokens are remembered until they expire."""

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
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        now = time.monotonic()
        cached = _users.get(user_id)
        if cached is not None and cached[0] > now:
            return copy.copy(cached[1])  # a request's own: nothing it sets on it is seen by another
        user = super().get_user(validated_token)  # refuses a missing or inactive user
        if settings.USER_CACHE_SECONDS > 0:
            if len(_users) >= MAX_CACHED_USERS:
                _users.clear()
            _users[user_id] = (now + settings.USER_CACHE_SECONDS, user)
        return user


def forget_user(user_id) -> None:
    """The next request of this user reads its row again (in this process)."""
    _users.pop(user_id, None)
    _users.pop(str(user_id), None)


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def _forget_saved_user(sender, instance: User, **kwargs) -> None:
    forget_user(instance.pk)
