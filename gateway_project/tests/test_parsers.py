"""The API's JSON parser: JSON nested deeper than its limit is a 400 `parse_error`, however deep."""

import io

from rest_framework import permissions, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory, APISimpleTestCase
from rest_framework.views import APIView

from gateway_project.api.parsers import MAX_DEPTH, JSONParser

SHAPES = {
    "arrays": lambda depth: "[" * depth + "]" * depth,
    "objects": lambda depth: '{"a":' * depth + "1" + "}" * depth,
}


def parse(text: str):
    return JSONParser().parse(io.BytesIO(text.encode()), "application/json", {})


class EchoView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    def post(self, request):
        return Response({"received": request.data})


class JSONParserTests(APISimpleTestCase):
    def test_json_nested_as_deep_as_the_limit_is_parsed(self):
        for shape, make in SHAPES.items():
            with self.subTest(shape=shape):
                data = parse(make(MAX_DEPTH))

                for _ in range(MAX_DEPTH - 1):
                    data = data[0] if shape == "arrays" else data["a"]
                self.assertEqual(data, [] if shape == "arrays" else {"a": 1})

    def test_json_nested_one_level_deeper_than_the_limit_is_refused(self):
        for shape, make in SHAPES.items():
            with self.subTest(shape=shape), self.assertRaisesMessage(ParseError, "nested deeper than"):
                parse(make(MAX_DEPTH + 1))

    def test_json_nested_past_the_recursion_limit_is_refused(self):
        for shape, make in SHAPES.items():
            for depth in (1_000, 100_000):
                with self.subTest(shape=shape, depth=depth), self.assertRaisesMessage(ParseError, "nested deeper than"):
                    parse(make(depth))

    def test_a_wide_document_is_not_deep(self):
        self.assertEqual(len(parse("[" + ",".join(["[1]"] * 10_000) + "]")), 10_000)

    def test_malformed_json_is_still_a_parse_error(self):
        with self.assertRaisesMessage(ParseError, "JSON parse error"):
            parse('{"email": ')

    def test_the_api_parses_json_with_it(self):
        self.assertIs(api_settings.DEFAULT_PARSER_CLASSES[0], JSONParser)

    def test_a_deep_body_is_a_400_parse_error_in_the_api_error_shape(self):
        request = APIRequestFactory().post("/", SHAPES["arrays"](1_000), content_type="application/json")

        response = EchoView.as_view()(request)

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertEqual(response.data["code"], "parse_error")
        self.assertIn("nested deeper than", response.data["detail"])
