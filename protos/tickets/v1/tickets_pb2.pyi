import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_STATUS_UNSPECIFIED: _ClassVar[OrderStatus]
    ORDER_STATUS_RESERVED: _ClassVar[OrderStatus]
    ORDER_STATUS_PAID: _ClassVar[OrderStatus]
    ORDER_STATUS_CANCELLED: _ClassVar[OrderStatus]
    ORDER_STATUS_EXPIRED: _ClassVar[OrderStatus]
    ORDER_STATUS_REFUND_PENDING: _ClassVar[OrderStatus]
    ORDER_STATUS_REFUNDED: _ClassVar[OrderStatus]

class TicketStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TICKET_STATUS_UNSPECIFIED: _ClassVar[TicketStatus]
    TICKET_STATUS_VALID: _ClassVar[TicketStatus]
    TICKET_STATUS_CHECKED_IN: _ClassVar[TicketStatus]
    TICKET_STATUS_VOID: _ClassVar[TicketStatus]

class WaitingListStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WAITING_LIST_STATUS_UNSPECIFIED: _ClassVar[WaitingListStatus]
    WAITING_LIST_STATUS_WAITING: _ClassVar[WaitingListStatus]
    WAITING_LIST_STATUS_OFFERED: _ClassVar[WaitingListStatus]
    WAITING_LIST_STATUS_LEFT: _ClassVar[WaitingListStatus]
    WAITING_LIST_STATUS_CLEARED: _ClassVar[WaitingListStatus]
    WAITING_LIST_STATUS_REFUSED: _ClassVar[WaitingListStatus]
ORDER_STATUS_UNSPECIFIED: OrderStatus
ORDER_STATUS_RESERVED: OrderStatus
ORDER_STATUS_PAID: OrderStatus
ORDER_STATUS_CANCELLED: OrderStatus
ORDER_STATUS_EXPIRED: OrderStatus
ORDER_STATUS_REFUND_PENDING: OrderStatus
ORDER_STATUS_REFUNDED: OrderStatus
TICKET_STATUS_UNSPECIFIED: TicketStatus
TICKET_STATUS_VALID: TicketStatus
TICKET_STATUS_CHECKED_IN: TicketStatus
TICKET_STATUS_VOID: TicketStatus
WAITING_LIST_STATUS_UNSPECIFIED: WaitingListStatus
WAITING_LIST_STATUS_WAITING: WaitingListStatus
WAITING_LIST_STATUS_OFFERED: WaitingListStatus
WAITING_LIST_STATUS_LEFT: WaitingListStatus
WAITING_LIST_STATUS_CLEARED: WaitingListStatus
WAITING_LIST_STATUS_REFUSED: WaitingListStatus

class TicketType(_message.Message):
    __slots__ = ("id", "event_id", "name", "price", "currency", "capacity", "available", "max_per_order", "max_per_customer", "sales_start", "sales_end", "hidden")
    ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_ORDER_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SALES_START_FIELD_NUMBER: _ClassVar[int]
    SALES_END_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    id: int
    event_id: int
    name: str
    price: str
    currency: str
    capacity: int
    available: int
    max_per_order: int
    max_per_customer: int
    sales_start: _timestamp_pb2.Timestamp
    sales_end: _timestamp_pb2.Timestamp
    hidden: bool
    def __init__(self, id: _Optional[int] = ..., event_id: _Optional[int] = ..., name: _Optional[str] = ..., price: _Optional[str] = ..., currency: _Optional[str] = ..., capacity: _Optional[int] = ..., available: _Optional[int] = ..., max_per_order: _Optional[int] = ..., max_per_customer: _Optional[int] = ..., sales_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sales_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hidden: _Optional[bool] = ...) -> None: ...

class CreateTicketTypeRequest(_message.Message):
    __slots__ = ("event_id", "name", "price", "currency", "capacity", "max_per_order", "max_per_customer", "sales_start", "sales_end", "hidden")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_ORDER_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    SALES_START_FIELD_NUMBER: _ClassVar[int]
    SALES_END_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    name: str
    price: str
    currency: str
    capacity: int
    max_per_order: int
    max_per_customer: int
    sales_start: _timestamp_pb2.Timestamp
    sales_end: _timestamp_pb2.Timestamp
    hidden: bool
    def __init__(self, event_id: _Optional[int] = ..., name: _Optional[str] = ..., price: _Optional[str] = ..., currency: _Optional[str] = ..., capacity: _Optional[int] = ..., max_per_order: _Optional[int] = ..., max_per_customer: _Optional[int] = ..., sales_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sales_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hidden: _Optional[bool] = ...) -> None: ...

class GetTicketTypeRequest(_message.Message):
    __slots__ = ("event_id", "ticket_type_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    ticket_type_id: int
    def __init__(self, event_id: _Optional[int] = ..., ticket_type_id: _Optional[int] = ...) -> None: ...

class UpdateTicketTypeRequest(_message.Message):
    __slots__ = ("event_id", "ticket_type_id", "name", "price", "capacity", "max_per_order", "sales_start", "sales_end", "reset_sales_end", "hidden")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    MAX_PER_ORDER_FIELD_NUMBER: _ClassVar[int]
    SALES_START_FIELD_NUMBER: _ClassVar[int]
    SALES_END_FIELD_NUMBER: _ClassVar[int]
    RESET_SALES_END_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    ticket_type_id: int
    name: str
    price: str
    capacity: int
    max_per_order: int
    sales_start: _timestamp_pb2.Timestamp
    sales_end: _timestamp_pb2.Timestamp
    reset_sales_end: bool
    hidden: bool
    def __init__(self, event_id: _Optional[int] = ..., ticket_type_id: _Optional[int] = ..., name: _Optional[str] = ..., price: _Optional[str] = ..., capacity: _Optional[int] = ..., max_per_order: _Optional[int] = ..., sales_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sales_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reset_sales_end: _Optional[bool] = ..., hidden: _Optional[bool] = ...) -> None: ...

class DeleteTicketTypeRequest(_message.Message):
    __slots__ = ("event_id", "ticket_type_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    ticket_type_id: int
    def __init__(self, event_id: _Optional[int] = ..., ticket_type_id: _Optional[int] = ...) -> None: ...

class DeleteTicketTypeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTicketTypesRequest(_message.Message):
    __slots__ = ("event_id", "voucher")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    VOUCHER_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    voucher: str
    def __init__(self, event_id: _Optional[int] = ..., voucher: _Optional[str] = ...) -> None: ...

class ListTicketTypesResponse(_message.Message):
    __slots__ = ("ticket_types",)
    TICKET_TYPES_FIELD_NUMBER: _ClassVar[int]
    ticket_types: _containers.RepeatedCompositeFieldContainer[TicketType]
    def __init__(self, ticket_types: _Optional[_Iterable[_Union[TicketType, _Mapping]]] = ...) -> None: ...

class GetSalesRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    def __init__(self, event_id: _Optional[int] = ...) -> None: ...

class TicketTypeSales(_message.Message):
    __slots__ = ("ticket_type_id", "name", "capacity", "sold", "held", "available", "revenue", "currency", "discounts", "waiting_entries", "waiting_seats")
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    SOLD_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DISCOUNTS_FIELD_NUMBER: _ClassVar[int]
    WAITING_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    WAITING_SEATS_FIELD_NUMBER: _ClassVar[int]
    ticket_type_id: int
    name: str
    capacity: int
    sold: int
    held: int
    available: int
    revenue: str
    currency: str
    discounts: str
    waiting_entries: int
    waiting_seats: int
    def __init__(self, ticket_type_id: _Optional[int] = ..., name: _Optional[str] = ..., capacity: _Optional[int] = ..., sold: _Optional[int] = ..., held: _Optional[int] = ..., available: _Optional[int] = ..., revenue: _Optional[str] = ..., currency: _Optional[str] = ..., discounts: _Optional[str] = ..., waiting_entries: _Optional[int] = ..., waiting_seats: _Optional[int] = ...) -> None: ...

class SalesReport(_message.Message):
    __slots__ = ("event_id", "ticket_types", "checked_in")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPES_FIELD_NUMBER: _ClassVar[int]
    CHECKED_IN_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    ticket_types: _containers.RepeatedCompositeFieldContainer[TicketTypeSales]
    checked_in: int
    def __init__(self, event_id: _Optional[int] = ..., ticket_types: _Optional[_Iterable[_Union[TicketTypeSales, _Mapping]]] = ..., checked_in: _Optional[int] = ...) -> None: ...

class ReserveSeatsRequest(_message.Message):
    __slots__ = ("ticket_type_id", "quantity", "idempotency_key", "email", "full_name", "lines", "voucher")
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    VOUCHER_FIELD_NUMBER: _ClassVar[int]
    ticket_type_id: int
    quantity: int
    idempotency_key: str
    email: str
    full_name: str
    lines: _containers.RepeatedCompositeFieldContainer[ReserveLine]
    voucher: str
    def __init__(self, ticket_type_id: _Optional[int] = ..., quantity: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., email: _Optional[str] = ..., full_name: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[ReserveLine, _Mapping]]] = ..., voucher: _Optional[str] = ...) -> None: ...

class ReserveLine(_message.Message):
    __slots__ = ("ticket_type_id", "quantity", "attendees")
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ATTENDEES_FIELD_NUMBER: _ClassVar[int]
    ticket_type_id: int
    quantity: int
    attendees: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ticket_type_id: _Optional[int] = ..., quantity: _Optional[int] = ..., attendees: _Optional[_Iterable[str]] = ...) -> None: ...

class ReserveSeatsResponse(_message.Message):
    __slots__ = ("order", "created")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    order: Order
    created: bool
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class Card(_message.Message):
    __slots__ = ("number", "exp_month", "exp_year", "cvc")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    EXP_MONTH_FIELD_NUMBER: _ClassVar[int]
    EXP_YEAR_FIELD_NUMBER: _ClassVar[int]
    CVC_FIELD_NUMBER: _ClassVar[int]
    number: str
    exp_month: int
    exp_year: int
    cvc: str
    def __init__(self, number: _Optional[str] = ..., exp_month: _Optional[int] = ..., exp_year: _Optional[int] = ..., cvc: _Optional[str] = ...) -> None: ...

class PayOrderRequest(_message.Message):
    __slots__ = ("order_id", "card")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    order_id: int
    card: Card
    def __init__(self, order_id: _Optional[int] = ..., card: _Optional[_Union[Card, _Mapping]] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: int
    def __init__(self, order_id: _Optional[int] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: int
    def __init__(self, order_id: _Optional[int] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "all_users", "status", "event_id", "email_query", "with_total_count", "order_by", "created_after", "created_before", "date_hierarchy", "time_zone")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ALL_USERS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_QUERY_FIELD_NUMBER: _ClassVar[int]
    WITH_TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    DATE_HIERARCHY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    all_users: bool
    status: str
    event_id: int
    email_query: str
    with_total_count: bool
    order_by: str
    created_after: _timestamp_pb2.Timestamp
    created_before: _timestamp_pb2.Timestamp
    date_hierarchy: str
    time_zone: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., all_users: _Optional[bool] = ..., status: _Optional[str] = ..., event_id: _Optional[int] = ..., email_query: _Optional[str] = ..., with_total_count: _Optional[bool] = ..., order_by: _Optional[str] = ..., created_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., date_hierarchy: _Optional[str] = ..., time_zone: _Optional[str] = ...) -> None: ...

class ListOrdersResponse(_message.Message):
    __slots__ = ("orders", "next_page_token", "total_count", "created_dates")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_DATES_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    next_page_token: str
    total_count: int
    created_dates: DateHierarchy
    def __init__(self, orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_count: _Optional[int] = ..., created_dates: _Optional[_Union[DateHierarchy, _Mapping]] = ...) -> None: ...

class DateHierarchy(_message.Message):
    __slots__ = ("periods",)
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    periods: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, periods: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class PaymentSummary(_message.Message):
    __slots__ = ("brand", "last4")
    BRAND_FIELD_NUMBER: _ClassVar[int]
    LAST4_FIELD_NUMBER: _ClassVar[int]
    brand: str
    last4: str
    def __init__(self, brand: _Optional[str] = ..., last4: _Optional[str] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("id", "status", "user_id", "event_id", "ticket_type_id", "quantity", "unit_price", "total", "currency", "email", "full_name", "expires_at", "created_at", "paid_at", "tickets", "payment", "refunded_amount", "lines", "voucher", "voucher_seats")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_FIELD_NUMBER: _ClassVar[int]
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    VOUCHER_FIELD_NUMBER: _ClassVar[int]
    VOUCHER_SEATS_FIELD_NUMBER: _ClassVar[int]
    id: int
    status: OrderStatus
    user_id: int
    event_id: int
    ticket_type_id: int
    quantity: int
    unit_price: str
    total: str
    currency: str
    email: str
    full_name: str
    expires_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    paid_at: _timestamp_pb2.Timestamp
    tickets: _containers.RepeatedCompositeFieldContainer[Ticket]
    payment: PaymentSummary
    refunded_amount: str
    lines: _containers.RepeatedCompositeFieldContainer[OrderLine]
    voucher: str
    voucher_seats: int
    def __init__(self, id: _Optional[int] = ..., status: _Optional[_Union[OrderStatus, str]] = ..., user_id: _Optional[int] = ..., event_id: _Optional[int] = ..., ticket_type_id: _Optional[int] = ..., quantity: _Optional[int] = ..., unit_price: _Optional[str] = ..., total: _Optional[str] = ..., currency: _Optional[str] = ..., email: _Optional[str] = ..., full_name: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tickets: _Optional[_Iterable[_Union[Ticket, _Mapping]]] = ..., payment: _Optional[_Union[PaymentSummary, _Mapping]] = ..., refunded_amount: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[OrderLine, _Mapping]]] = ..., voucher: _Optional[str] = ..., voucher_seats: _Optional[int] = ...) -> None: ...

class OrderLine(_message.Message):
    __slots__ = ("ticket_type_id", "name", "quantity", "unit_price", "discount", "total", "attendees")
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    ATTENDEES_FIELD_NUMBER: _ClassVar[int]
    ticket_type_id: int
    name: str
    quantity: int
    unit_price: str
    discount: str
    total: str
    attendees: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ticket_type_id: _Optional[int] = ..., name: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price: _Optional[str] = ..., discount: _Optional[str] = ..., total: _Optional[str] = ..., attendees: _Optional[_Iterable[str]] = ...) -> None: ...

class Ticket(_message.Message):
    __slots__ = ("id", "order_id", "event_id", "ticket_type_id", "code", "status", "checked_in_at", "holder_name")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHECKED_IN_AT_FIELD_NUMBER: _ClassVar[int]
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    order_id: int
    event_id: int
    ticket_type_id: int
    code: str
    status: TicketStatus
    checked_in_at: _timestamp_pb2.Timestamp
    holder_name: str
    def __init__(self, id: _Optional[int] = ..., order_id: _Optional[int] = ..., event_id: _Optional[int] = ..., ticket_type_id: _Optional[int] = ..., code: _Optional[str] = ..., status: _Optional[_Union[TicketStatus, str]] = ..., checked_in_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., holder_name: _Optional[str] = ...) -> None: ...

class GetTicketRequest(_message.Message):
    __slots__ = ("ticket_id",)
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    ticket_id: int
    def __init__(self, ticket_id: _Optional[int] = ...) -> None: ...

class ListTicketsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "all_users", "status", "event_id", "code_query", "with_total_count", "order_by")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ALL_USERS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_QUERY_FIELD_NUMBER: _ClassVar[int]
    WITH_TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    all_users: bool
    status: str
    event_id: int
    code_query: str
    with_total_count: bool
    order_by: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., all_users: _Optional[bool] = ..., status: _Optional[str] = ..., event_id: _Optional[int] = ..., code_query: _Optional[str] = ..., with_total_count: _Optional[bool] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListTicketsResponse(_message.Message):
    __slots__ = ("tickets", "next_page_token", "total_count")
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    tickets: _containers.RepeatedCompositeFieldContainer[Ticket]
    next_page_token: str
    total_count: int
    def __init__(self, tickets: _Optional[_Iterable[_Union[Ticket, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_count: _Optional[int] = ...) -> None: ...

class CheckInRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class LookUpTicketRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class CheckInResponse(_message.Message):
    __slots__ = ("ticket_id", "event_id", "checked_in_at", "holder_name")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKED_IN_AT_FIELD_NUMBER: _ClassVar[int]
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    ticket_id: int
    event_id: int
    checked_in_at: _timestamp_pb2.Timestamp
    holder_name: str
    def __init__(self, ticket_id: _Optional[int] = ..., event_id: _Optional[int] = ..., checked_in_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., holder_name: _Optional[str] = ...) -> None: ...

class CancelEventSalesRequest(_message.Message):
    __slots__ = ("event_id",)
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    def __init__(self, event_id: _Optional[int] = ...) -> None: ...

class CancelEventSalesResponse(_message.Message):
    __slots__ = ("holds_released", "tickets_voided", "refunds_queued")
    HOLDS_RELEASED_FIELD_NUMBER: _ClassVar[int]
    TICKETS_VOIDED_FIELD_NUMBER: _ClassVar[int]
    REFUNDS_QUEUED_FIELD_NUMBER: _ClassVar[int]
    holds_released: int
    tickets_voided: int
    refunds_queued: int
    def __init__(self, holds_released: _Optional[int] = ..., tickets_voided: _Optional[int] = ..., refunds_queued: _Optional[int] = ...) -> None: ...

class UpdateEventStartRequest(_message.Message):
    __slots__ = ("event_id", "starts_at", "version")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    starts_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, event_id: _Optional[int] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class UpdateEventStartResponse(_message.Message):
    __slots__ = ("ticket_types_updated",)
    TICKET_TYPES_UPDATED_FIELD_NUMBER: _ClassVar[int]
    ticket_types_updated: int
    def __init__(self, ticket_types_updated: _Optional[int] = ...) -> None: ...

class ListEventBuyersRequest(_message.Message):
    __slots__ = ("event_id", "page_size", "page_token")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    page_size: int
    page_token: str
    def __init__(self, event_id: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Buyer(_message.Message):
    __slots__ = ("email", "full_name", "amount_paid", "currency", "tickets")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    email: str
    full_name: str
    amount_paid: str
    currency: str
    tickets: int
    def __init__(self, email: _Optional[str] = ..., full_name: _Optional[str] = ..., amount_paid: _Optional[str] = ..., currency: _Optional[str] = ..., tickets: _Optional[int] = ...) -> None: ...

class ListEventBuyersResponse(_message.Message):
    __slots__ = ("buyers", "next_page_token")
    BUYERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    buyers: _containers.RepeatedCompositeFieldContainer[Buyer]
    next_page_token: str
    def __init__(self, buyers: _Optional[_Iterable[_Union[Buyer, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Voucher(_message.Message):
    __slots__ = ("id", "event_id", "code", "discount_kind", "discount_value", "ticket_type_ids", "max_uses", "uses", "valid_from", "valid_until", "unlocks_hidden", "active", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_KIND_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_IDS_FIELD_NUMBER: _ClassVar[int]
    MAX_USES_FIELD_NUMBER: _ClassVar[int]
    USES_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    UNLOCKS_HIDDEN_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    event_id: int
    code: str
    discount_kind: str
    discount_value: str
    ticket_type_ids: _containers.RepeatedScalarFieldContainer[int]
    max_uses: int
    uses: int
    valid_from: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    unlocks_hidden: bool
    active: bool
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., event_id: _Optional[int] = ..., code: _Optional[str] = ..., discount_kind: _Optional[str] = ..., discount_value: _Optional[str] = ..., ticket_type_ids: _Optional[_Iterable[int]] = ..., max_uses: _Optional[int] = ..., uses: _Optional[int] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unlocks_hidden: _Optional[bool] = ..., active: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateVouchersRequest(_message.Message):
    __slots__ = ("event_id", "code", "count", "discount_kind", "discount_value", "ticket_type_ids", "max_uses", "valid_from", "valid_until", "unlocks_hidden")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_KIND_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_IDS_FIELD_NUMBER: _ClassVar[int]
    MAX_USES_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    UNLOCKS_HIDDEN_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    code: str
    count: int
    discount_kind: str
    discount_value: str
    ticket_type_ids: _containers.RepeatedScalarFieldContainer[int]
    max_uses: int
    valid_from: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    unlocks_hidden: bool
    def __init__(self, event_id: _Optional[int] = ..., code: _Optional[str] = ..., count: _Optional[int] = ..., discount_kind: _Optional[str] = ..., discount_value: _Optional[str] = ..., ticket_type_ids: _Optional[_Iterable[int]] = ..., max_uses: _Optional[int] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unlocks_hidden: _Optional[bool] = ...) -> None: ...

class ListVouchersRequest(_message.Message):
    __slots__ = ("event_id", "page_size", "page_token", "with_total_count", "order_by")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    WITH_TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    page_size: int
    page_token: str
    with_total_count: bool
    order_by: str
    def __init__(self, event_id: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., with_total_count: _Optional[bool] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListVouchersResponse(_message.Message):
    __slots__ = ("vouchers", "next_page_token", "total_count")
    VOUCHERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    vouchers: _containers.RepeatedCompositeFieldContainer[Voucher]
    next_page_token: str
    total_count: int
    def __init__(self, vouchers: _Optional[_Iterable[_Union[Voucher, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_count: _Optional[int] = ...) -> None: ...

class DeactivateVoucherRequest(_message.Message):
    __slots__ = ("event_id", "voucher_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    VOUCHER_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    voucher_id: int
    def __init__(self, event_id: _Optional[int] = ..., voucher_id: _Optional[int] = ...) -> None: ...

class ListEventOrdersRequest(_message.Message):
    __slots__ = ("event_id", "page_size", "page_token", "status", "query", "ticket_type_id", "with_total_count", "order_by")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    WITH_TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    page_size: int
    page_token: str
    status: str
    query: str
    ticket_type_id: int
    with_total_count: bool
    order_by: str
    def __init__(self, event_id: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[str] = ..., query: _Optional[str] = ..., ticket_type_id: _Optional[int] = ..., with_total_count: _Optional[bool] = ..., order_by: _Optional[str] = ...) -> None: ...

class GetEventOrderRequest(_message.Message):
    __slots__ = ("event_id", "order_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    order_id: int
    def __init__(self, event_id: _Optional[int] = ..., order_id: _Optional[int] = ...) -> None: ...

class ListEventAttendeesRequest(_message.Message):
    __slots__ = ("event_id", "page_size", "page_token")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    page_size: int
    page_token: str
    def __init__(self, event_id: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Attendee(_message.Message):
    __slots__ = ("ticket_id", "code_prefix", "ticket_type_id", "ticket_type_name", "holder_name", "email", "order_id", "status", "checked_in_at")
    TICKET_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_PREFIX_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_NAME_FIELD_NUMBER: _ClassVar[int]
    HOLDER_NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHECKED_IN_AT_FIELD_NUMBER: _ClassVar[int]
    ticket_id: int
    code_prefix: str
    ticket_type_id: int
    ticket_type_name: str
    holder_name: str
    email: str
    order_id: int
    status: TicketStatus
    checked_in_at: _timestamp_pb2.Timestamp
    def __init__(self, ticket_id: _Optional[int] = ..., code_prefix: _Optional[str] = ..., ticket_type_id: _Optional[int] = ..., ticket_type_name: _Optional[str] = ..., holder_name: _Optional[str] = ..., email: _Optional[str] = ..., order_id: _Optional[int] = ..., status: _Optional[_Union[TicketStatus, str]] = ..., checked_in_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListEventAttendeesResponse(_message.Message):
    __slots__ = ("attendees", "next_page_token")
    ATTENDEES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    attendees: _containers.RepeatedCompositeFieldContainer[Attendee]
    next_page_token: str
    def __init__(self, attendees: _Optional[_Iterable[_Union[Attendee, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RefundOrderRequest(_message.Message):
    __slots__ = ("event_id", "order_id", "ticket_ids")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_IDS_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    order_id: int
    ticket_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, event_id: _Optional[int] = ..., order_id: _Optional[int] = ..., ticket_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ResendConfirmationRequest(_message.Message):
    __slots__ = ("order_id", "event_id")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: int
    event_id: int
    def __init__(self, order_id: _Optional[int] = ..., event_id: _Optional[int] = ...) -> None: ...

class JoinWaitingListRequest(_message.Message):
    __slots__ = ("event_id", "ticket_type_id", "quantity", "email", "full_name")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    ticket_type_id: int
    quantity: int
    email: str
    full_name: str
    def __init__(self, event_id: _Optional[int] = ..., ticket_type_id: _Optional[int] = ..., quantity: _Optional[int] = ..., email: _Optional[str] = ..., full_name: _Optional[str] = ...) -> None: ...

class JoinWaitingListResponse(_message.Message):
    __slots__ = ("entry", "created")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    entry: WaitingListEntry
    created: bool
    def __init__(self, entry: _Optional[_Union[WaitingListEntry, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetWaitingListEntryRequest(_message.Message):
    __slots__ = ("event_id", "ticket_type_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    ticket_type_id: int
    def __init__(self, event_id: _Optional[int] = ..., ticket_type_id: _Optional[int] = ...) -> None: ...

class LeaveWaitingListRequest(_message.Message):
    __slots__ = ("event_id", "ticket_type_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    ticket_type_id: int
    def __init__(self, event_id: _Optional[int] = ..., ticket_type_id: _Optional[int] = ...) -> None: ...

class ClearWaitingListRequest(_message.Message):
    __slots__ = ("event_id", "ticket_type_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: int
    ticket_type_id: int
    def __init__(self, event_id: _Optional[int] = ..., ticket_type_id: _Optional[int] = ...) -> None: ...

class WaitingListEntry(_message.Message):
    __slots__ = ("id", "event_id", "ticket_type_id", "quantity", "status", "position", "seats_ahead", "order_id", "order_status", "offer_expires_at", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TICKET_TYPE_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SEATS_AHEAD_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_STATUS_FIELD_NUMBER: _ClassVar[int]
    OFFER_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    event_id: int
    ticket_type_id: int
    quantity: int
    status: WaitingListStatus
    position: int
    seats_ahead: int
    order_id: int
    order_status: OrderStatus
    offer_expires_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., event_id: _Optional[int] = ..., ticket_type_id: _Optional[int] = ..., quantity: _Optional[int] = ..., status: _Optional[_Union[WaitingListStatus, str]] = ..., position: _Optional[int] = ..., seats_ahead: _Optional[int] = ..., order_id: _Optional[int] = ..., order_status: _Optional[_Union[OrderStatus, str]] = ..., offer_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LeaveWaitingListResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClearWaitingListResponse(_message.Message):
    __slots__ = ("cleared",)
    CLEARED_FIELD_NUMBER: _ClassVar[int]
    cleared: int
    def __init__(self, cleared: _Optional[int] = ...) -> None: ...
