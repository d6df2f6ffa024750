"""Tickets through the gateway: the customer's tickets, one ticket, and its QR code."""

from rest_framework import status

from gateway_project.tests.qr import png_modules, svg_modules, symbols_of
from gateway_project.tests.ticketing import TICKETS_URL, TicketingAPITestCase, ticket_url


class ListTicketsTests(TicketingAPITestCase):
    def test_customer_lists_own_tickets_newest_first(self):
        ticket_type = self.ticket_type_on_sale()
        first = self.paid_order(ticket_type, quantity=2)
        second = self.paid_order(ticket_type, quantity=1)
        self.authenticate(self.customer)

        response = self.client.get(TICKETS_URL)

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        expected = sorted(first["tickets"] + second["tickets"], key=lambda ticket: ticket["id"], reverse=True)
        self.assertEqual(response.json(), {"results": expected, "next": None, "previous": None})

    def test_list_leaves_out_other_customers_tickets_and_unpaid_orders(self):
        ticket_type = self.ticket_type_on_sale()
        own = self.paid_order(ticket_type)
        self.paid_order(ticket_type, user=self.make_user())
        self.reserved_order(ticket_type, quantity=2)

        response = self.client.get(TICKETS_URL)

        self.assertEqual([t["id"] for t in response.json()["results"]], [own["tickets"][0]["id"]])

    def test_list_is_paginated_with_next_links(self):
        order = self.paid_order(self.ticket_type_on_sale(), quantity=5)
        newest_first = sorted((ticket["id"] for ticket in order["tickets"]), reverse=True)
        self.authenticate(self.customer)

        pages, response = [], self.client.get(TICKETS_URL, {"page_size": 2})
        while True:
            self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
            pages.append([ticket["id"] for ticket in response.json()["results"]])
            if response.json()["next"] is None:
                break
            self.assertLess(len(pages), 10, "next links do not end")
            response = self.client.get(response.json()["next"])

        self.assertEqual(pages, [newest_first[0:2], newest_first[2:4], newest_first[4:]])

    def test_list_with_page_size_out_of_range_is_rejected(self):
        self.authenticate(self.customer)

        response = self.client.get(TICKETS_URL, {"page_size": 101})

        self.assert_field_error(response, "page_size")

    def test_list_with_garbage_cursor_is_rejected(self):
        self.authenticate(self.customer)

        response = self.client.get(TICKETS_URL, {"cursor": "garbage"})

        self.assert_field_error(response, "cursor")

    def test_anonymous_cannot_list_tickets(self):
        self.authenticate(None)

        response = self.client.get(TICKETS_URL)

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")


class GetTicketTests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.ticket = self.paid_order(self.ticket_type_on_sale())["tickets"][0]

    def test_customer_reads_own_ticket(self):
        self.authenticate(self.customer)

        response = self.client.get(ticket_url(self.ticket["id"]))

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(response.json(), self.ticket)

    def test_someone_elses_ticket_is_not_found(self):
        self.authenticate(self.make_user())

        response = self.client.get(ticket_url(self.ticket["id"]))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_unknown_ticket_is_not_found(self):
        self.authenticate(self.customer)

        response = self.client.get(ticket_url(999_999_996))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_anonymous_cannot_read_a_ticket(self):
        self.authenticate(None)

        response = self.client.get(ticket_url(self.ticket["id"]))

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")


class TicketQRCodeTests(TicketingAPITestCase):
    def setUp(self):
        super().setUp()
        self.order = self.paid_order(self.ticket_type_on_sale(), quantity=2)
        self.ticket, self.other_ticket = self.order["tickets"]

    def test_qr_svg_encodes_the_ticket_code(self):
        self.authenticate(self.customer)

        response = self.client.get(ticket_url(self.ticket["id"], "qr.svg"))

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(response["Content-Type"], "image/svg+xml")
        self.assertIn(svg_modules(response.content), symbols_of(self.ticket["code"]))

    def test_qr_svg_of_each_ticket_encodes_its_own_code(self):
        self.authenticate(self.customer)

        response = self.client.get(ticket_url(self.other_ticket["id"], "qr.svg"))

        self.assertIn(svg_modules(response.content), symbols_of(self.other_ticket["code"]))
        self.assertNotIn(svg_modules(response.content), symbols_of(self.ticket["code"]))

    def test_qr_png_encodes_the_ticket_code(self):
        self.authenticate(self.customer)

        response = self.client.get(ticket_url(self.ticket["id"], "qr.png"))

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertIn(png_modules(response.content), symbols_of(self.ticket["code"]))

    def test_qr_is_served_whatever_the_accept_header(self):
        self.authenticate(self.customer)

        for accept in ("image/svg+xml", "image/*", "text/html", "application/json"):
            with self.subTest(accept=accept):
                response = self.client.get(ticket_url(self.ticket["id"], "qr.svg"), HTTP_ACCEPT=accept)

                self.assertEqual(response.status_code, status.HTTP_200_OK)
                self.assertEqual(response["Content-Type"], "image/svg+xml")

    def test_qr_is_kept_out_of_shared_caches(self):
        self.authenticate(self.customer)

        response = self.client.get(ticket_url(self.ticket["id"], "qr.svg"))

        self.assertIn("no-store", response["Cache-Control"])

    def test_staff_gets_any_tickets_qr(self):
        self.authenticate(self.make_user(is_staff=True))

        response = self.client.get(ticket_url(self.ticket["id"], "qr.svg"))

        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertIn(svg_modules(response.content), symbols_of(self.ticket["code"]))

    def test_qr_of_someone_elses_ticket_is_not_found_as_json(self):
        for user in (self.make_user(), self.organizer):
            self.authenticate(user)
            for suffix in ("qr.svg", "qr.png"):
                with self.subTest(user=user.role, suffix=suffix):
                    response = self.client.get(ticket_url(self.ticket["id"], suffix), HTTP_ACCEPT="image/*")

                    self.assertEqual(response["Content-Type"], "application/json")
                    self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_qr_of_an_unknown_ticket_is_not_found(self):
        self.authenticate(self.customer)

        response = self.client.get(ticket_url(999_999_997, "qr.svg"))

        self.assert_error(response, status.HTTP_404_NOT_FOUND, "not_found")

    def test_qr_for_anonymous_is_unauthorized(self):
        self.authenticate(None)

        response = self.client.get(ticket_url(self.ticket["id"], "qr.png"))

        self.assert_error(response, status.HTTP_401_UNAUTHORIZED, "not_authenticated")
