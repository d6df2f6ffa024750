"""A project's real gRPC server in-process, for its own tests; the RPCs a block of code calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.test import TransactionTestCase
from django_grpc_framework.settings import grpc_settings

from servicekit.grpc_client import ServiceClient, _Rpc
from servicekit.grpc_server import start_server


class GrpcServerTestCase(TransactionTestCase):
    """Serves this project's gRPC services from a real server on a free loopback
    port for the whole class; tests call it through a real channel.

    TransactionTestCase, because the server's threads use their own database
    connections and must see committed rows.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grpc_service = start_server(grpc_settings.ROOT_HANDLERS_HOOK, "127.0.0.1:0", max_workers=8)
        cls.grpc_target = f"127.0.0.1:{cls.grpc_service.port}"

    @classmethod
    def tearDownClass(cls):
        cls.grpc_service.stop(None).wait(5)
        super().tearDownClass()

    def grpc_client(self, stub_class, service: str = "test") -> ServiceClient:
        return ServiceClient(service, self.grpc_target, stub_class, timeout=10)


@contextmanager
def counting_rpcs() -> Iterator[list[str]]:
    """The RPCs this process calls inside the block, as "service.Method" in call order: each call
    still goes to the real server (a spy on the typed clients, not a stand-in)."""
    calls: list[str] = []
    real_call = _Rpc.__call__

    def counted(rpc, request, **kwargs):
        calls.append(f"{rpc._service}.{type(request).__name__.removesuffix('Request')}")
        return real_call(rpc, request, **kwargs)

    with mock.patch.object(_Rpc, "__call__", counted):
        yield calls
