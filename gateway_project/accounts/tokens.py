"""Refresh tokens redeemed once, and sessions that end for good at logout.

A login starts a session: the jti of its refresh token is the session's *family*, a claim every
token rotated from it keeps. (Tokens issued before families existed have no such claim: their own
jti is their family, and the tokens rotated from them carry it.)

- A refresh redeems its token by inserting the token's blacklist row, unique per token: of
  simultaneous refreshes of one token the database lets exactly one insert it, and the others
  are refused. No check-then-write.
- Logout records the family as revoked (a unique row) and blacklists the token; every refresh
  refuses a token of a revoked family. A refresh racing a logout may still hand out one new
  token, but that token is refused once the logout has answered.

Access tokens stay stateless: one issued before the logout works until it expires
(ACCESS_TOKEN_LIFETIME), with no database query per request.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from gateway_project.accounts.models import RevokedSession, User

FAMILY_CLAIM = "family"


def family_of(token: RefreshToken) -> str:
    """The session `token` belongs to."""
    return token.get(FAMILY_CLAIM) or token[api_settings.JTI_CLAIM]


def start_session(token: RefreshToken) -> None:
    """Make `token`, just issued at login, the first of a new session."""
    token[FAMILY_CLAIM] = token[api_settings.JTI_CLAIM]


class SessionRefreshToken(RefreshToken):
    """A refresh token whose signature, type and expiry are verified, but which may already be
    blacklisted: logging out with a token that a refresh has just rotated still ends its session."""

    def check_blacklist(self) -> None:
        pass


def redeem(token: RefreshToken, user: User | None) -> None:
    """Use `token` up, once and for all; TokenError (a 401) if it was used already or its
    session has ended."""
    if RevokedSession.objects.filter(family=family_of(token)).exists():
        raise TokenError(_("Token is blacklisted"))
    outstanding, _created = OutstandingToken.objects.get_or_create(
        jti=token[api_settings.JTI_CLAIM],
        defaults={
            "user": user,
            "created_at": token.current_time,
            "token": str(token),
            "expires_at": datetime_from_epoch(token["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        raise TokenError(_("Token is blacklisted")) from None  # a simultaneous refresh (or logout) used it


def rotate(token: RefreshToken) -> RefreshToken:
    """`token`, redeemed, made into the next token of its session (new jti, issue and expiry times)."""
    token[FAMILY_CLAIM] = family_of(token)  # before the new jti: a token without a family gives its own
    token.set_jti()
    token.set_exp()
    token.set_iat()
    token.outstand()
    return token


def end_session(token: RefreshToken) -> None:
    """Log out: refuse every refresh token of `token`'s session from now on. Ending a session
    twice is fine."""
    try:
        with transaction.atomic():
            RevokedSession.objects.create(family=family_of(token))
    except IntegrityError:
        pass  # already ended
    token.blacklist()
