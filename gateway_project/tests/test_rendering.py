"""Rendering a response (`OrderSerializer(order, context=...).data`) reuses serializers whose fields
are built, instead of copying every declared field for each response; each response still gets its
own request's links."""

from unittest import mock

from django.test import SimpleTestCase, override_settings
from rest_framework.test import APIRequestFactory

from gateway_project.ticketing_api.serializers import OrderSerializer, TicketSerializer
from protos.tickets.v1 import tickets_pb2


def paid_order(order_id: int) -> tuple[tickets_pb2.Order, tickets_pb2.Ticket]:
    ticket = tickets_pb2.Ticket(id=order_id * 10, order_id=order_id, event_id=7, ticket_type_id=3, code="c")
    order = tickets_pb2.Order(id=order_id, event_id=7, quantity=1, total="10.00", currency="EUR", tickets=[ticket])
    order.lines.add(ticket_type_id=3, name="Standing", quantity=1, unit_price="10.00", total="10.00")
    return order, ticket


@override_settings(ALLOWED_HOSTS=["*"])
class ResponseRenderingTests(SimpleTestCase):
    def request(self, host: str = "testserver"):
        return APIRequestFactory().get("/api/orders/", HTTP_HOST=host)

    def render(self, order, host: str = "testserver") -> dict:
        return OrderSerializer(order, context={"request": self.request(host)}).data

    def test_a_response_after_the_first_builds_no_fields(self):
        order, _ = paid_order(1)
        self.render(order)

        with mock.patch.object(OrderSerializer, "get_fields", autospec=True) as get_fields:
            rendered = self.render(order)

        self.assertEqual(get_fields.call_count, 0)
        self.assertEqual((rendered["id"], rendered["tickets"][0]["id"]), (1, 10))

    def test_each_response_links_to_its_own_request_s_host(self):
        for host in ("one.example", "two.example"):
            with self.subTest(host):
                order, _ = paid_order(2)
                rendered = self.render(order, host)

                self.assertEqual(rendered["url"], f"http://{host}/api/orders/2/")
                self.assertEqual(rendered["tickets"][0]["url"], f"http://{host}/api/tickets/20/")

    def test_a_response_rendered_while_another_of_its_class_renders_gets_its_own_fields(self):
        outer, inner = paid_order(3), paid_order(4)
        rendered_inside = {}
        original = TicketSerializer.to_representation

        def render_another_order_inside(serializer, ticket):
            if ticket.order_id == 3:  # the outer order's ticket: render the inner order meanwhile
                rendered_inside.update(self.render(inner[0], "inner.example"))
            return original(serializer, ticket)

        with mock.patch.object(TicketSerializer, "to_representation", render_another_order_inside):
            rendered = self.render(outer[0], "outer.example")

        self.assertEqual(rendered["tickets"][0]["url"], "http://outer.example/api/tickets/30/")
        self.assertEqual(rendered_inside["url"], "http://inner.example/api/orders/4/")

    def test_the_rendered_data_keeps_its_serializer_for_the_browsable_api(self):
        order, _ = paid_order(5)
        serializer = OrderSerializer(order, context={"request": self.request()})

        self.assertIs(serializer.data.serializer, serializer)
