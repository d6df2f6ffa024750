"""What the OpenAPI description (drf-spectacular, served at /api/schema/) says about errors,
path ids and response bodies that every part of the API shares.

The views build their JSON as plain dicts (event_json, order_json, ...); the read-only
serializers beside those functions describe the dicts for the schema and are never used
to read or write data."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers

MAX_ID = 999_999_999_999_999_999  # the largest id the `id` path converter routes


class ResponseSerializer(serializers.Serializer):
    # Describes a response body: its fields are read-only, and so required in the schema, except those
    # declared with required=False (present in some responses only). A comment, not a docstring: the
    # schema would show it as the description of every subclass that has none of its own.

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if field.required:
                field.read_only = True
        return fields


class ErrorSerializer(ResponseSerializer):
    """Every error but a validation error: a human `detail` and a machine `code`. Some codes add
    facts beside them (`checked_in_at` for already_checked_in, `decline_reason` for payment_declined)."""

    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(help_text="What went wrong, for programs (e.g. `sold_out`).")


class TokenMessageSerializer(ResponseSerializer):
    """Why one kind of token refused the credentials."""

    token_class = serializers.CharField()
    token_type = serializers.CharField()
    message = serializers.CharField()


class AuthErrorSerializer(ErrorSerializer):
    """An authentication error (401)."""

    messages = TokenMessageSerializer(
        many=True, required=False, help_text="With `token_not_valid`: why each kind of token refused it."
    )


class ValidationErrorSerializer(serializers.Serializer):
    """A validation error: each field in error (or `non_field_errors`) with its messages."""


class ValidationErrorExtension(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": "Field name (or `non_field_errors`) -> the messages about it.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "example": {"starts_at": ["This field is required."]},
        }


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^[0-9]+\.[0-9]{2}$", "example": "25.00"})
class AmountField(serializers.CharField):
    """An amount of money: a string with exactly two decimals, e.g. "25.00"."""


# --- responses ----------------------------------------------------------------------------------------

_BAD_REQUEST = PolymorphicProxySerializer(
    component_name="BadRequest",
    serializers=[ValidationErrorSerializer, ErrorSerializer],
    resource_type_field_name=None,
)


class ErrorResponse(OpenApiResponse):
    """An error response; `summary` names its codes for the operation's description."""

    def __init__(self, serializer, summary: str, description: str = ""):
        super().__init__(serializer, description=f"{summary}. {description}".strip())
        self.summary = summary


def _codes(codes) -> str:
    return ", ".join(f"`{code}`" for code in codes)


def bad_request(description: str = "", codes: tuple[str, ...] = ()) -> ErrorResponse:
    """400: a field -> messages map; or, for a body that is not JSON (and `codes`), an error with a code."""
    return ErrorResponse(_BAD_REQUEST, f"a field -> messages map, or {_codes(('parse_error', *codes))}", description)


def error(*codes: str, description: str = "", serializer=ErrorSerializer) -> ErrorResponse:
    """An error response whose `code` is one of `codes`."""
    return ErrorResponse(serializer, _codes(codes), description)


UNAUTHENTICATED = error(
    "not_authenticated",
    "authentication_failed",
    "token_not_valid",
    description="No credentials, or an invalid or expired access token.",
    serializer=AuthErrorSerializer,
)


def unavailable(*services: str) -> ErrorResponse:
    return error(
        *(f"{service}_unavailable" for service in services),
        description="A service did not answer; try again shortly (see the `Retry-After` header).",
    )


def bad_gateway(*services: str) -> ErrorResponse:
    return error(*(f"{service}_error" for service in services), description="A service failed to answer.")


def with_errors(description: str, responses: dict) -> str:
    """The operation's description, ending with its error codes by HTTP status."""
    lines = [
        f"- {status}: {response.summary}"
        for status, response in sorted(responses.items(), key=lambda item: str(item[0]))
        if isinstance(response, ErrorResponse)
    ]
    return "\n\n".join([description, "Errors:\n\n" + "\n".join(lines)]) if lines else description


def api_operation(*, description: str, responses: dict, **kwargs):
    """extend_schema, with the error codes listed in the operation's description too."""
    return extend_schema(description=with_errors(description, responses), responses=responses, **kwargs)


def path_id(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 0, "maximum": MAX_ID},
        OpenApiParameter.PATH,
        description=f"The {what}'s id.",
    )
