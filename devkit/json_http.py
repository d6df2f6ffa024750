"""For benchmarks only: the same service functions over plain JSON/HTTP, from the same process
as the gRPC server, to weigh the design's choice of gRPC between services.

`devkit.commands.serve_grpc_json` (serve_grpc, run by `make bench` for the events service) also

- registers a no-op RPC, ``/microtix.bench.v1.Bench/Noop`` (empty bytes in, empty bytes out,
  no protobuf message at all), answered through the same interceptor as every RPC (logging,
  metrics): a round trip of it is the cost of one gRPC hop and nothing else;
- serves HTTP/1.1 with keep-alive on its gRPC port + ``--json-port-offset`` (same host): ``GET /noop``
  answers ``{}`` (the hop over JSON/HTTP), and each path of its routes (``--json-routes``: a
  dict "path" -> function(query parameters) -> JSON-able value) calls the same service
  function its servicer calls. A thread per connection, as gRPC's pool gives a thread per
  call; one log line per request, as the interceptor writes one per RPC.

Never part of a production process: MicroTix runs without it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import grpc
from django.db import close_old_connections, connections

from servicekit import errors

log = logging.getLogger("microtix.bench_http")

NOOP_SERVICE = "microtix.bench.v1.Bench"
NOOP_METHOD = f"/{NOOP_SERVICE}/Noop"
Route = Callable[[dict[str, str]], object]


def noop_rpc_handler() -> grpc.GenericRpcHandler:
    """The no-op RPC: no (de)serializer, so the message is raw bytes, here empty."""
    return grpc.method_handlers_generic_handler(
        NOOP_SERVICE, {"Noop": grpc.unary_unary_rpc_method_handler(lambda request, context: b"")}
    )


def serve(host: str, port: int, routes: dict[str, Route]) -> ThreadingHTTPServer:
    """Serve `routes` (plus /noop) as JSON over HTTP on host:port in a daemon thread."""

    class Handler(_JsonHandler):
        pass

    Handler.routes = {"/noop": lambda params: {}, **routes}
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="bench-http", daemon=True).start()
    log.info("bench JSON/HTTP on %s:%d: %s", host, port, ", ".join(sorted(Handler.routes)))
    return server


class _JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a client reuses its connection, as a gRPC channel does
    disable_nagle_algorithm = True  # headers and body leave at once (else the client's delayed ACK adds 40 ms)
    routes: dict[str, Route] = {}

    def do_GET(self):
        started = time.perf_counter()
        url = urlsplit(self.path)
        route = self.routes.get(url.path)
        close_old_connections()  # as Django does at each request's start and end
        try:
            if route is None:
                status, body = 404, {"detail": "No such route."}
            else:
                status, body = 200, route(dict(parse_qsl(url.query)))
        except errors.DomainError as exc:
            status, body = exc.http_status, {"detail": exc.message, "code": exc.code}
        except (KeyError, ValueError):
            status, body = 400, {"detail": "Bad query parameters."}
        except Exception:
            log.exception("unhandled error in %s", url.path)
            status, body = 500, {"detail": "Internal server error."}
        finally:
            close_old_connections()
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        log.info("http %s status=%d duration_ms=%.1f", url.path, status, (time.perf_counter() - started) * 1000)

    def finish(self):
        super().finish()
        connections.close_all()  # this connection's thread ends: so does its database connection

    def log_message(self, format, *args):  # the line above replaces http.server's stderr log
        pass
