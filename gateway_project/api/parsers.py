"""The API's JSON parser: DRF's, refusing documents nested too deep."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Far deeper than any request of the API, far shallower than anything that recurses over the data
# (serializers, error rendering, logging) could choke on.
MAX_DEPTH = 32
TOO_DEEP = f"JSON parse error - nested deeper than {MAX_DEPTH} levels."


def nested_deeper_than(data: object, limit: int) -> bool:
    """Whether `data` (parsed JSON) has lists or dicts nested more than `limit` deep; iterative,
    so any depth can be measured."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that a document nested deeper than MAX_DEPTH is a 400
    `parse_error`, whether Python's parser gives up on it (RecursionError, past about 1,000
    levels) or parses it."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if nested_deeper_than(data, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
