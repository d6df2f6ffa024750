from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.serializers import TokenRefreshSerializer as SimpleJwtTokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings

from gateway_project.accounts import tokens
from gateway_project.accounts.models import User

EMAIL_TAKEN = "A user with this email already exists."


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role"]
        read_only_fields = fields


class RegisterSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    role = serializers.ChoiceField(choices=User.Role.choices, default=User.Role.CUSTOMER)

    class Meta:
        model = User
        fields = ["id", "email", "password", "full_name", "role"]
        read_only_fields = ["id"]
        # Uniqueness is validate_email's, on the normalized email, with one message (not also the model's).
        extra_kwargs = {"full_name": {"allow_blank": False}, "email": {"validators": []}}

    def validate_email(self, value: str) -> str:
        email = User.objects.normalize_email(value)
        if User.objects.filter(email=email).exists():
            raise serializers.ValidationError(EMAIL_TAKEN, code="unique")
        return email

    def validate(self, attrs: dict) -> dict:
        candidate = User(email=attrs["email"], full_name=attrs.get("full_name", ""))
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs

    def create(self, validated_data: dict) -> User:
        try:
            with transaction.atomic():  # a failed insert must not break the request's connection
                return User.objects.create_user(**validated_data)
        except IntegrityError:
            # A simultaneous registration took the email after validate_email's check.
            if not User.objects.filter(email=validated_data["email"]).exists():
                raise
            raise serializers.ValidationError({"email": [EMAIL_TAKEN]}, code="unique") from None


class TokenObtainSerializer(TokenObtainPairSerializer):
    """Access tokens carry the role, so services can authorize without a user lookup."""

    @classmethod
    def get_token(cls, user: User):
        token = super().get_token(user)
        token["role"] = user.role
        token["email"] = user.email
        tokens.start_session(token)
        return token

    def validate(self, attrs: dict) -> dict:
        attrs[self.username_field] = User.objects.normalize_email(attrs.get(self.username_field, ""))
        return super().validate(attrs)


class TokenRefreshSerializer(SimpleJwtTokenRefreshSerializer):
    """simplejwt's rotation (settings.SIMPLE_JWT: ROTATE_REFRESH_TOKENS, BLACKLIST_AFTER_ROTATION), except
    that the token is redeemed exactly once however many requests race with it, a token of a logged-out
    session is refused (accounts.tokens), and the token of a deleted user is refused (401) rather than
    crashing on the missing user (500)."""

    def validate(self, attrs: dict) -> dict:
        refresh = self.token_class(attrs["refresh"])
        user = None
        if user_id := refresh.payload.get(api_settings.USER_ID_CLAIM):
            user = User.objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
            if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
                raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        tokens.redeem(refresh, user)
        refresh = tokens.rotate(refresh)
        return {"access": str(refresh.access_token), "refresh": str(refresh)}


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()
