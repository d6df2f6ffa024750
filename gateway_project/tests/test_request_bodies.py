"""Validating a request body (`validated(ReserveSerializer, request.data)`) reuses serializers whose fields
are built, instead of copying every declared field for each request; each body still gets its own
errors, and nothing of one body stays for the next."""

from unittest import mock

from django.test import SimpleTestCase
from rest_framework import serializers
from rest_framework.fields import Field

from gateway_project.api.bodies import _idle_validators, validated
from gateway_project.ticketing_api.serializers import CardSerializer, ReserveSerializer

CARD = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
BAD_CARD = {"card_number": "42", "exp_month": 13, "exp_year": 2040}
LINES = {"lines": [{"ticket_type_id": 3, "quantity": 2, "attendees": ["Ann"]}], "voucher": "SPRING"}
ONE_TYPE = {"ticket_type_id": 3, "quantity": 2}
REQUIRED = ["This field is required."]


def errors_of(serializer_class, data) -> dict:
    try:
        validated(serializer_class, data)
    except serializers.ValidationError as exc:
        return exc.detail
    raise AssertionError(f"{data} validated")


class RequestBodyTests(SimpleTestCase):
    def test_a_body_after_the_first_builds_no_fields(self):
        for serializer_class, body in (
            (ReserveSerializer, LINES),
            (ReserveSerializer, ONE_TYPE),
            (CardSerializer, CARD),
        ):
            with self.subTest(serializer_class.__name__, body=body):
                validated(serializer_class, body)

                with mock.patch.object(Field, "__deepcopy__", autospec=True, side_effect=Field.__deepcopy__) as copy:
                    self.assertTrue(validated(serializer_class, body))

                self.assertEqual(copy.call_count, 0)

    def test_a_bad_body_after_a_good_one_gets_its_own_errors(self):
        validated(CardSerializer, CARD)

        self.assertEqual(
            errors_of(CardSerializer, BAD_CARD),
            {
                "card_number": ["Enter a card number of 12 to 19 digits."],
                "exp_month": ["Ensure this value is less than or equal to 12."],
                "cvc": REQUIRED,
            },
        )

    def test_a_good_body_after_a_bad_one_validates(self):
        errors_of(CardSerializer, BAD_CARD)

        self.assertEqual(
            validated(CardSerializer, CARD),
            {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"},
        )

    def test_the_two_reservation_forms_alternate(self):
        self.assertEqual(validated(ReserveSerializer, LINES)["lines"][0]["quantity"], 2)
        self.assertEqual(errors_of(ReserveSerializer, {"quantity": 2}), {"ticket_type_id": REQUIRED})
        self.assertEqual(validated(ReserveSerializer, ONE_TYPE), ONE_TYPE)
        self.assertEqual(
            errors_of(ReserveSerializer, {"lines": [{"ticket_type_id": 3}]}), {"lines[0].quantity": REQUIRED}
        )
        self.assertEqual(errors_of(ReserveSerializer, {}), {"ticket_type_id": REQUIRED, "quantity": REQUIRED})

    def test_an_idle_serializer_keeps_nothing_of_the_bodies_it_validated(self):
        validated(CardSerializer, CARD, context={"request": "first"})
        errors_of(CardSerializer, BAD_CARD)

        for idle in _idle_validators[CardSerializer]:
            self.assertEqual(vars(idle).keys() & {"initial_data", "_validated_data", "_errors", "_data"}, set())
            self.assertEqual(idle.context, {})

    def test_the_error_is_bound_to_a_serializer_of_its_body_for_the_browsable_api_not_an_idle_one(self):
        errors = errors_of(CardSerializer, BAD_CARD)

        self.assertEqual((errors.serializer.initial_data, errors.serializer.errors), (BAD_CARD, errors))
        self.assertNotIn(errors.serializer, _idle_validators[CardSerializer])

    def test_a_body_validated_while_another_of_its_class_validates_gets_its_own_serializer(self):
        inside = {}
        original = CardSerializer.validate_cvc

        def validate_another_card_inside(serializer, value):
            if value == "123":  # the outer card's: validate a bad one meanwhile
                inside.update(errors_of(CardSerializer, {**CARD, "cvc": "12a"}))
            return original(serializer, value)

        with mock.patch.object(CardSerializer, "validate_cvc", validate_another_card_inside):
            card = validated(CardSerializer, CARD)

        self.assertEqual(card["cvc"], "123")
        self.assertEqual(inside, {"cvc": ["Enter the 3 or 4 digit security code."]})
