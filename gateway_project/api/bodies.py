"""Request bodies validated by serializers whose fields are built (`validated(CardSerializer, request.data)`),
as responses are rendered by them (api.openapi.ResponseSerializer)."""

from rest_framework import serializers

# Idle serializers of each request class, their fields built: a serializer copies every declared field
# (nested ones too) when first asked for them, ~12% of the gateway's CPU in a flash sale when each
# reservation and payment did it. A thread takes one, validates a body and puts it back emptied.
_idle_validators: dict[type[serializers.Serializer], list[serializers.Serializer]] = {}

_PER_BODY = ("initial_data", "_validated_data", "_errors", "_data")


def validated(serializer_class: type[serializers.Serializer], data, context: dict | None = None) -> dict:
    """`data` validated by a serializer of `serializer_class` with `context`: its `validated_data`, or the
    ValidationError that `serializer_class(data=data).is_valid(raise_exception=True)` raises. A serializer
    validating a body sets its fields' per-body state in `run_validation`, not in `get_fields`."""
    idle = _idle_validators.setdefault(serializer_class, [])
    try:
        serializer = idle.pop()
    except IndexError:  # none idle: all validating now, in other threads
        serializer = serializer_class()
    serializer.initial_data, serializer._context = data, context or {}
    try:
        if serializer.is_valid():
            return serializer.validated_data
        errors = serializer._errors
    finally:
        for name in _PER_BODY:
            serializer.__dict__.pop(name, None)
        serializer._context = {}
        idle.append(serializer)
    # The error is bound to a serializer of the body (the browsable API's form shows the body and its
    # errors from it, building its fields then): one of its own, not the idle one.
    failed = serializer_class(data=data, context=context or {})
    failed._validated_data, failed._errors = {}, errors
    raise serializers.ValidationError(failed.errors)
