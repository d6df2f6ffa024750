from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenObtainPairView

from gateway_project.accounts import tokens
from gateway_project.accounts.serializers import (
    LogoutSerializer,
    RegisterSerializer,
    TokenObtainSerializer,
    UserSerializer,
)
from gateway_project.accounts.throttles import LoginAccountThrottle, LoginAddressThrottle
from gateway_project.api.openapi import UNAUTHENTICATED, ResponseSerializer, bad_request, error


class TokenPairSerializer(ResponseSerializer):
    """An access and a refresh token."""

    access = serializers.CharField(help_text="Access token (JWT): send it as `Authorization: Bearer <access>`.")
    refresh = serializers.CharField(help_text="Refresh token: exchange it at /api/auth/token/refresh/.")


INVALID_REFRESH = error("token_not_valid", description="The refresh token is invalid, expired or blacklisted.")


@extend_schema(
    summary="Register",
    description="Create an account: a customer by default, or an organizer. Public.",
    request=RegisterSerializer,
    responses={201: UserSerializer, 400: bad_request("E.g. the email is taken or the password too weak.")},
)
class RegisterView(generics.CreateAPIView):
    """Create an account: a customer by default, or an organizer."""

    serializer_class = RegisterSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []


@extend_schema(
    summary="Log in",
    auth=[{}],
    description="Exchange email and password for an access and a refresh token. Public; throttled per client "
    "address and per account (429 `throttled`).",
    request=TokenObtainSerializer,
    responses={
        200: TokenPairSerializer,
        400: bad_request(),
        401: error("no_active_account", description="Wrong email or password."),
        429: error("throttled", description="Too many attempts; see the `Retry-After` header."),
    },
)
class LoginView(TokenObtainPairView):
    """Exchange email and password for an access and a refresh token."""

    throttle_classes = [LoginAddressThrottle, LoginAccountThrottle]


class TokenRefreshViewSchema(OpenApiViewExtension):
    """Describes simplejwt's refresh view (routed as is in accounts/urls.py)."""

    target_class = "rest_framework_simplejwt.views.TokenRefreshView"

    def view_replacement(self):
        @extend_schema(
            summary="Refresh tokens",
            auth=[{}],
            description="Exchange a refresh token for a new access and refresh token; the old refresh token is "
            "blacklisted: each refresh token is redeemed once, even by simultaneous requests. Public.",
            request=TokenRefreshSerializer,
            responses={200: TokenPairSerializer, 400: bad_request(), 401: INVALID_REFRESH},
        )
        class Fixed(self.target_class):
            pass

        return Fixed


class LogoutView(APIView):
    """End the session of a refresh token: no refresh token of it works afterwards."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = LogoutSerializer

    def get_authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'  # so a refused token is a 401, as on the refresh endpoint

    @extend_schema(
        summary="Log out",
        description="End the session of a refresh token: it, and every refresh token rotated from the same "
        "login, is refused afterwards (an access token already issued works until it expires). A token "
        "already rotated ends the session too; logging out twice is fine. Public (the token is the credential).",
        request=LogoutSerializer,
        responses={
            204: OpenApiResponse(description="Logged out."),
            400: bad_request(),
            401: error("token_not_valid", description="Not a refresh token, or an invalid or expired one."),
        },
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = tokens.SessionRefreshToken(serializer.validated_data["refresh"])
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        tokens.end_session(token)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    summary="The caller",
    description="The authenticated user.",
    responses={200: UserSerializer, 401: UNAUTHENTICATED},
)
class MeView(generics.RetrieveAPIView):
    """The authenticated user."""

    serializer_class = UserSerializer

    def get_object(self):
        return self.request.user
