"""An event's vouchers through the gateway, against the real events and tickets services."""

from rest_framework import status

from gateway_project.tests.ticketing import TicketingAPITestCase, event_url


def vouchers_url(event_id: int) -> str:
    return f"{event_url(event_id)}vouchers/"


class VouchersAPITests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.event = self.create_event()
        self.url = vouchers_url(self.event["id"])

    def create(self, **fields):
        self.authenticate(self.organizer)
        body = {"discount_kind": "percent", "discount_value": "10", **fields}
        return self.client.post(self.url, body, format="json")

    def test_an_organizer_creates_a_voucher_and_sees_it_with_its_uses(self):
        created = self.create(code="earlybird", max_uses=10)

        self.assertEqual(created.status_code, status.HTTP_201_CREATED, created.content)
        (voucher,) = created.json()["results"]
        self.assertEqual((voucher["code"], voucher["discount_value"], voucher["uses"]), ("EARLYBIRD", "10.00", 0))
        listed = self.client.get(self.url).json()
        self.assertEqual([v["id"] for v in listed["results"]], [voucher["id"]])
        self.assertIsNone(listed["next"])

    def test_a_count_creates_random_codes(self):
        created = self.create(count=5)

        self.assertEqual(created.status_code, status.HTTP_201_CREATED, created.content)
        self.assertEqual(len({v["code"] for v in created.json()["results"]}), 5)

    def test_a_bad_discount_is_a_400_naming_the_field(self):
        response = self.create(code="TOOMUCH", discount_value="150")

        self.assertEqual(response.status_code, status.HTTP_400_BAD_REQUEST)
        self.assertIn("discount_value", response.json())

    def test_a_customer_cannot_list_vouchers(self):
        self.create(code="SECRET")
        self.authenticate(self.customer)

        response = self.client.get(self.url)

        self.assertEqual(response.status_code, status.HTTP_403_FORBIDDEN)

    def test_another_organizer_cannot_see_the_events_vouchers(self):
        self.create(code="SECRET")
        self.authenticate(self.make_organizer())

        response = self.client.get(self.url)

        self.assert_error(response, status.HTTP_403_FORBIDDEN, "permission_denied")

    def test_a_deactivated_voucher_is_listed_inactive(self):
        (voucher,) = self.create(code="STOPME").json()["results"]

        response = self.client.post(f"{self.url}{voucher['id']}/deactivate/")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertFalse(response.json()["active"])
        self.assertFalse(self.client.get(self.url).json()["results"][0]["active"])
