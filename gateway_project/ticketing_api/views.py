"""Ticketing API: validate, call the tickets service over gRPC, shape the JSON.

The tickets service decides whose order or ticket is whose: someone else's is a 404 there.
"""

import io

import segno
from django.http import HttpResponse
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from gateway_project.api import clients
from gateway_project.api.pagination import PageQuerySerializer, next_url
from gateway_project.api.permissions import IsCustomer, IsOrganizer
from gateway_project.ticketing_api.serializers import (
    CardSerializer,
    CheckInSerializer,
    ReserveSerializer,
    check_in_json,
    idempotency_key,
    order_json,
    ticket_json,
)
from protos.tickets.v1 import tickets_pb2


def _page_query(request) -> dict:
    query = PageQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return {"page_size": query.validated_data["page_size"], "page_token": query.validated_data["cursor"]}


class OrderListView(APIView):
    """GET: the caller's orders, newest first. POST: hold seats (customers); an
    Idempotency-Key header makes a retry return the same order (200) instead of a new one (201)."""

    serializer_class = ReserveSerializer

    def get_permissions(self):
        return [IsCustomer()] if self.request.method == "POST" else super().get_permissions()

    def get(self, request):
        page = clients.tickets().call(
            "ListOrders", tickets_pb2.ListOrdersRequest(**_page_query(request)), caller=clients.caller_for(request)
        )
        return Response(
            {"results": [order_json(o) for o in page.orders], "next": next_url(request, page.next_page_token)}
        )

    def post(self, request):
        serializer = ReserveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = idempotency_key(request)
        reserved = clients.tickets().call(
            "ReserveSeats", serializer.reserve_request(request.user, key), caller=clients.caller_for(request)
        )
        return Response(
            order_json(reserved.order), status=status.HTTP_201_CREATED if reserved.created else status.HTTP_200_OK
        )


class OrderDetailView(APIView):
    def get(self, request, order_id: int):
        order = clients.tickets().call(
            "GetOrder", tickets_pb2.GetOrderRequest(order_id=order_id), caller=clients.caller_for(request)
        )
        return Response(order_json(order))


class PayOrderView(APIView):
    """Charge the card and issue the tickets. Paying a paid order returns it and charges nothing."""

    serializer_class = CardSerializer

    def post(self, request, order_id: int):
        serializer = CardSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = clients.tickets().call("PayOrder", serializer.pay_request(order_id), caller=clients.caller_for(request))
        return Response(order_json(order))


class CancelOrderView(APIView):
    """Release a reserved order's seats."""

    def post(self, request, order_id: int):
        order = clients.tickets().call(
            "CancelOrder", tickets_pb2.CancelOrderRequest(order_id=order_id), caller=clients.caller_for(request)
        )
        return Response(order_json(order))


class TicketListView(APIView):
    """The caller's tickets, newest first."""

    def get(self, request):
        page = clients.tickets().call(
            "ListTickets", tickets_pb2.ListTicketsRequest(**_page_query(request)), caller=clients.caller_for(request)
        )
        return Response(
            {"results": [ticket_json(t) for t in page.tickets], "next": next_url(request, page.next_page_token)}
        )


def _get_ticket(request, ticket_id: int) -> tickets_pb2.Ticket:
    return clients.tickets().call(
        "GetTicket", tickets_pb2.GetTicketRequest(ticket_id=ticket_id), caller=clients.caller_for(request)
    )


class TicketDetailView(APIView):
    def get(self, request, ticket_id: int):
        return Response(ticket_json(_get_ticket(request, ticket_id)))


class JSONErrorsOnly(DefaultContentNegotiation):
    """The image views answer an image whatever the Accept header says; only their errors go
    through a renderer, always JSON (so Accept: image/png is not a 406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class TicketQRCodeView(APIView):
    """The ticket's code as a QR code image, for its holder (or staff) to show at the door."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsOnly
    kind = "svg"
    content_type = "image/svg+xml"

    def get(self, request, ticket_id: int):
        ticket = _get_ticket(request, ticket_id)
        image = io.BytesIO()
        qr = segno.make_qr(ticket.code, error="m")
        if self.kind == "svg":
            qr.save(image, kind="svg", scale=4, border=4, title="MicroTix ticket")
        else:
            qr.save(image, kind="png", scale=8, border=4)
        response = HttpResponse(image.getvalue(), content_type=self.content_type)
        # The image is an admission credential: keep it out of shared caches.
        response["Cache-Control"] = "private, no-store"
        return response


class CheckInView(APIView):
    """Admit a ticket holder, at most once (the event's organizer or staff)."""

    permission_classes = [IsOrganizer]
    serializer_class = CheckInSerializer

    def post(self, request):
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        admitted = clients.tickets().call(
            "CheckIn",
            tickets_pb2.CheckInRequest(code=serializer.validated_data["code"]),
            caller=clients.caller_for(request),
        )
        return Response(check_in_json(admitted))
