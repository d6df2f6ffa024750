"""`serve_grpc` plus the benchmark's comparison (devkit.json_http): the no-op RPC, and JSON/HTTP
routes beside the gRPC port. Only `make bench` runs it, for the events service:

    python -m devkit.run event_service devkit.commands.serve_grpc_json \\
        --json-routes bench.json_routes.EVENTS --json-port-offset 2000
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from devkit import json_http
from servicekit.grpc_server import offset_address
from servicekit.management.commands import serve_grpc


class Command(serve_grpc.Command):
    help = "serve_grpc, plus a no-op RPC and the same service calls as JSON/HTTP (benchmarks only)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--json-routes", default="", help="Dotted path of a dict: path -> function(params).")
        parser.add_argument("--json-port-offset", type=int, default=0, help="JSON/HTTP on the gRPC port + this.")

    def extra_handlers(self, options) -> tuple:
        return (json_http.noop_rpc_handler(),)

    def http_servers(self, service, options) -> tuple:
        address = offset_address(service, options["json_port_offset"], "bench http")
        if address is None:
            return ()
        routes = import_string(options["json_routes"]) if options["json_routes"] else {}
        return (json_http.serve(*address, routes),)
