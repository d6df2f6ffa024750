from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView

from gateway_project.accounts.serializers import LogoutSerializer, RegisterSerializer, UserSerializer
from gateway_project.accounts.throttles import LoginAccountThrottle, LoginAddressThrottle


class RegisterView(generics.CreateAPIView):
    """Create an account: a customer by default, or an organizer."""

    serializer_class = RegisterSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []


class LoginView(TokenObtainPairView):
    """Exchange email and password for an access and a refresh token."""

    throttle_classes = [LoginAddressThrottle, LoginAccountThrottle]


class LogoutView(APIView):
    """Blacklist a refresh token so it can no longer be used."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = LogoutSerializer

    def get_authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'  # so a refused token is a 401, as on the refresh endpoint

    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveAPIView):
    """The authenticated user."""

    serializer_class = UserSerializer

    def get_object(self):
        return self.request.user
