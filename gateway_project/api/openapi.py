"""What the OpenAPI description (drf-spectacular, served at /api/schema/) says about errors,
path ids and response bodies that every part of the API shares, and the AutoSchema of the
gateway (GatewaySchema) and of its views that call services (ServiceSchema).

A response body is a ResponseSerializer: the same class renders it (`OrderSerializer(order).data`,
reading the proto message the service answered) and describes it in the schema."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import ReturnDict

from gateway_project.api.protos import NullWhenUnset

MAX_ID = 999_999_999_999_999_999  # the largest id the `id` path converter routes
MAX_VOUCHER_CODE_LENGTH = 32  # the tickets service's Voucher.code


class ResponseSerializer(NullWhenUnset, serializers.Serializer):
    # A response body: renders a proto message (or a dict) and describes it. Its fields are read-only, and
    # so required in the schema, except those declared with required=False (present in some responses only).
    # Nested with allow_null, it is null where the message does not set it. A comment, not a docstring: the
    # schema would show it as the description of every subclass that has none of its own.

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if field.required:
                field.read_only = True
        return fields

    @property
    def data(self):
        if self.instance is None or hasattr(self, "initial_data"):
            return super().data
        if not hasattr(self, "_data"):
            self._data = _render(type(self), self.instance, self._context)
        return ReturnDict(self._data, serializer=self)


# Idle serializers of each response class, their fields built: a serializer copies every declared
# field (nested ones too) when first asked for them, a fifth of the gateway's CPU on a purchase when
# each response did it. Rendering is all these do; a thread takes one and puts it back.
_idle_renderers: dict[type[ResponseSerializer], list[ResponseSerializer]] = {}


def _render(serializer_class: type[ResponseSerializer], instance, context: dict) -> dict:
    """`instance` rendered by a serializer of `serializer_class` with `context`."""
    idle = _idle_renderers.setdefault(serializer_class, [])
    try:
        renderer = idle.pop()
    except IndexError:  # none idle: all rendering now (in other threads, or this one's outer render)
        renderer = serializer_class()
    renderer._context = context
    try:
        return renderer.to_representation(instance)
    finally:
        renderer._context = {}
        idle.append(renderer)


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


class BearerTokenScheme(SimpleJWTScheme):
    """drf-spectacular's scheme of the simplejwt access token (as accounts.authentication checks it), named
    to come first: the schema lists its security schemes by name, and Swagger UI's Authorize dialog shows
    them in that order, so the API's own login (`Authorization: Bearer <access token>`) comes before
    `cookieAuth`, the browsable API's session."""

    name = "bearerAuth"
    target_class = "gateway_project.accounts.authentication.CachedUserJWTAuthentication"


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


class OptionalAmountField(AmountField):
    """An amount a message may leave empty (""): null then (declare it with allow_null)."""

    def to_representation(self, value) -> str | None:
        return value or None


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


class GatewaySchema(AutoSchema):
    """The gateway's AutoSchema (DEFAULT_SCHEMA_CLASS): an operation's description ends with its error
    codes by HTTP status, from its responses (those of `@extend_schema` and `shared_responses`)."""

    def shared_responses(self) -> dict:
        """Responses the operation has without declaring them (status -> response): none here."""
        return {}

    def responses(self) -> dict:
        """Every response of the operation by status; a declared one beats a shared one of its status."""
        declared = self.get_response_serializers()
        return {**self.shared_responses(), **(declared if isinstance(declared, dict) else {})}

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None and "description" in operation:
            operation["description"] = with_errors(operation["description"], self.responses())
        return operation

    def _get_response_bodies(self, direction="response"):
        # @extend_schema's responses replace get_response_serializers: the shared ones join them here, each
        # in status order among them (so 401 comes after 400 and before 403).
        bodies = super()._get_response_bodies(direction)
        for status, response in self.shared_responses().items():
            code = str(status)
            if code not in bodies:
                body = self._get_response_for_code(response, code, direction=direction)
                later = [known for known in bodies if known.isdigit() and int(known) > status]
                bodies = _inserted(bodies, code, body, before=later[0] if later else None)
        return bodies


def _inserted(items: dict, key: str, value, before: str | None) -> dict:
    """`items` with `key` added just before the key `before` (None: at the end)."""
    if before is None:
        return {**items, key: value}
    result = {}
    for known, item in items.items():
        if known == before:
            result[key] = value
        result[known] = item
    return result


class ServiceSchema(GatewaySchema):
    """The schema of a view that calls services (api.views.ServiceView): its operations share a 401 if the
    view authenticates (an invalid token is refused even where none is needed), and a 502 and a 503 naming
    the services its requests reach (`view.get_services()`, in their order)."""

    def shared_responses(self) -> dict:
        responses = {401: UNAUTHENTICATED} if self.view.authentication_classes else {}
        services = self.view.get_services()
        if services:
            responses.update({502: bad_gateway(*services), 503: unavailable(*services)})
        return responses


def path_id(name: str, what: str) -> OpenApiParameter:
    """The path parameter `name`: the id of a `what`."""
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 0, "maximum": MAX_ID},
        OpenApiParameter.PATH,
        description=f"The {what}'s id.",
    )
