"""Hyperlinks in the API's responses: each resource's `url` and its links to related resources and
actions are absolute URLs of the right routes, and following them works."""

from rest_framework import status

from gateway_project.tests.ticketing import ORDERS_URL, TicketingAPITestCase, card, event_url

SERVER = "http://testserver"


def absolute(path: str) -> str:
    return f"{SERVER}{path}"


class EventLinksTests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.event = self.create_event()
        self.path = event_url(self.event["id"])

    def test_an_event_links_itself_and_its_ticket_types_and_organizer_routes(self):
        self.assertEqual(
            {name: self.event[name] for name in self.event if name.endswith("url")},
            {
                "url": absolute(self.path),
                "ticket_types_url": absolute(f"{self.path}ticket-types/"),
                "sales_url": absolute(f"{self.path}sales/"),
                "orders_url": absolute(f"{self.path}orders/"),
                "vouchers_url": absolute(f"{self.path}vouchers/"),
                "staff_url": absolute(f"{self.path}staff/"),
            },
        )

    def test_anyone_follows_an_event_s_url_and_ticket_types_url(self):
        for name in ("url", "ticket_types_url"):
            with self.subTest(name):
                self.assertEqual(self.client.get(self.event[name]).status_code, status.HTTP_200_OK)

    def test_its_organizer_follows_an_event_s_organizer_links(self):
        self.authenticate(self.organizer)
        for name in ("sales_url", "orders_url", "vouchers_url", "staff_url"):
            with self.subTest(name):
                response = self.client.get(self.event[name])
                self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)

    def test_another_user_is_refused_an_event_s_organizer_links(self):
        self.authenticate(self.customer)
        for name in ("sales_url", "orders_url", "vouchers_url", "staff_url"):
            with self.subTest(name):
                self.assertEqual(self.client.get(self.event[name]).status_code, status.HTTP_403_FORBIDDEN)

    def test_listed_and_read_events_carry_the_same_links(self):
        listed = self.client.get("/api/events/", {"q": self.tag}).json()["results"]
        read = self.client.get(self.path).json()

        self.assertEqual(listed[0]["url"], self.event["url"])
        self.assertEqual(read["staff_url"], self.event["staff_url"])


class TicketTypeLinksTests(TicketingAPITestCase):
    def test_a_ticket_type_links_itself_and_its_event(self):
        ticket_type = self.ticket_type_on_sale()
        path = event_url(ticket_type["event_id"])

        self.assertEqual(ticket_type["url"], absolute(f"{path}ticket-types/{ticket_type['id']}/"))
        self.assertEqual(ticket_type["event_url"], absolute(path))

    def test_following_a_ticket_type_s_links_gives_it_and_its_event(self):
        ticket_type = self.ticket_type_on_sale()

        self.assertEqual(self.client.get(ticket_type["url"]).json()["id"], ticket_type["id"])
        self.assertEqual(self.client.get(ticket_type["event_url"]).json()["id"], ticket_type["event_id"])

    def test_an_event_s_ticket_types_carry_their_links(self):
        ticket_type = self.ticket_type_on_sale()

        (listed,) = self.client.get(event_url(ticket_type["event_id"])).json()["ticket_types"]
        self.assertEqual(listed["url"], ticket_type["url"])


class OrderLinksTests(TicketingAPITestCase):
    def test_a_buyer_s_order_links_itself_its_event_and_its_actions(self):
        order = self.reserved_order(self.ticket_type_on_sale())
        path = f"{ORDERS_URL}{order['id']}/"

        self.assertEqual(
            {name: order[name] for name in order if name.endswith("url")},
            {
                "url": absolute(path),
                "event_url": absolute(event_url(order["event_id"])),
                "pay_url": absolute(f"{path}pay/"),
                "cancel_url": absolute(f"{path}cancel/"),
                "resend_url": absolute(f"{path}resend/"),
            },
        )

    def test_a_buyer_follows_an_order_s_url_and_pays_it_by_its_pay_url(self):
        order = self.reserved_order(self.ticket_type_on_sale())
        self.authenticate(self.customer)

        self.assertEqual(self.client.get(order["url"]).json()["id"], order["id"])
        paid = self.client.post(order["pay_url"], card(), format="json")
        self.assertEqual(paid.status_code, status.HTTP_200_OK, paid.content)
        self.assertEqual(paid.json()["status"], "paid")

    def test_a_buyer_cancels_an_order_by_its_cancel_url(self):
        order = self.reserved_order(self.ticket_type_on_sale())
        self.authenticate(self.customer)

        cancelled = self.client.post(order["cancel_url"])
        self.assertEqual(cancelled.status_code, status.HTTP_200_OK, cancelled.content)
        self.assertEqual(cancelled.json()["status"], "cancelled")

    def test_a_buyer_resends_a_paid_order_s_confirmation_by_its_resend_url(self):
        order = self.paid_order(self.ticket_type_on_sale())
        self.authenticate(self.customer)

        self.assertEqual(self.client.post(order["resend_url"]).status_code, status.HTTP_200_OK)

    def test_an_event_s_order_links_the_organizer_s_routes_of_it(self):
        order = self.paid_order(self.ticket_type_on_sale())
        self.authenticate(self.organizer)
        (listed,) = self.client.get(f"{event_url(order['event_id'])}orders/").json()["results"]
        path = f"{event_url(order['event_id'])}orders/{order['id']}/"

        self.assertEqual(
            {name: listed[name] for name in listed if name.endswith("url")},
            {
                "url": absolute(path),
                "event_url": absolute(event_url(order["event_id"])),
                "refund_url": absolute(f"{path}refund/"),
                "resend_url": absolute(f"{path}resend/"),
            },
        )
        self.assertEqual([set(ticket) & {"url", "qr_svg_url", "order_url"} for ticket in listed["tickets"]], [set()])

    def test_the_organizer_follows_an_event_s_order_url_and_resend_url(self):
        order = self.paid_order(self.ticket_type_on_sale())
        self.authenticate(self.organizer)
        (listed,) = self.client.get(f"{event_url(order['event_id'])}orders/").json()["results"]

        self.assertEqual(self.client.get(listed["url"]).json()["id"], order["id"])
        self.assertEqual(self.client.post(listed["resend_url"]).status_code, status.HTTP_200_OK)


class TicketLinksTests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.order = self.paid_order(self.ticket_type_on_sale())
        (self.ticket,) = self.order["tickets"]
        self.authenticate(self.customer)

    def test_a_ticket_links_itself_its_order_its_event_and_its_qr_codes(self):
        path = f"/api/tickets/{self.ticket['id']}/"

        self.assertEqual(
            {name: self.ticket[name] for name in self.ticket if name.endswith("url")},
            {
                "url": absolute(path),
                "order_url": absolute(f"{ORDERS_URL}{self.order['id']}/"),
                "event_url": absolute(event_url(self.order["event_id"])),
                "qr_svg_url": absolute(f"{path}qr.svg"),
                "qr_png_url": absolute(f"{path}qr.png"),
            },
        )

    def test_its_holder_follows_a_ticket_s_qr_code_links_to_the_images(self):
        for name, media_type in (("qr_svg_url", "image/svg+xml"), ("qr_png_url", "image/png")):
            with self.subTest(name):
                response = self.client.get(self.ticket[name])
                self.assertEqual(response.status_code, status.HTTP_200_OK)
                self.assertEqual(response["Content-Type"], media_type)

    def test_its_holder_follows_a_ticket_s_url_and_order_url(self):
        self.assertEqual(self.client.get(self.ticket["url"]).json(), self.ticket)
        self.assertEqual(self.client.get(self.ticket["order_url"]).json()["id"], self.order["id"])


class VoucherAndStaffLinksTests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.event = self.create_event()
        self.authenticate(self.organizer)

    def test_a_voucher_links_its_event_and_is_deactivated_by_its_deactivate_url(self):
        body = {"code": f"V{self.tag[:8]}", "discount_kind": "percent", "discount_value": "10"}
        (voucher,) = self.client.post(self.event["vouchers_url"], body, format="json").json()["results"]

        self.assertEqual(voucher["event_url"], self.event["url"])
        deactivated = self.client.post(voucher["deactivate_url"])
        self.assertEqual(deactivated.status_code, status.HTTP_200_OK, deactivated.content)
        self.assertFalse(deactivated.json()["active"])

    def test_a_staff_member_links_its_event_and_is_removed_by_deleting_its_url(self):
        body = {"email": f"door-{self.tag[:8]}@example.com", "role": "scanner"}
        member = self.client.post(self.event["staff_url"], body, format="json").json()

        self.assertEqual(member["event_url"], self.event["url"])
        self.assertEqual(member["url"], absolute(f"{event_url(self.event['id'])}staff/{member['id']}/"))
        self.assertEqual(self.client.delete(member["url"]).status_code, status.HTTP_204_NO_CONTENT)
        self.assertEqual(self.client.get(self.event["staff_url"]).json()["results"], [])
