"""A small threaded HTTP server on 127.0.0.1 that hands each request to a provider simulator.

Simulators are plain objects with `handle(request) -> response`, so their protocol logic is testable without
sockets; this module owns the sockets, the thread and a log of what was asked (without credentials).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

MAX_REQUEST_BYTES = 1024 * 1024

# Characters a path segment may hold as they are (RFC 3986 unreserved, sub-delims, ":" and "@").
_SEGMENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@")
_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")


def segment_value(raw: str) -> str:
    """A raw path segment read the way a server that does not decode its paths would read it.

    Percent-escapes are decoded only for characters that could not have been sent as they are (`/ ? # %`, spaces,
    controls, non-ASCII bytes...). An escape of a character that needed none (`%3A` for `:`, `%40` for `@`) stays
    literal text, as it does on such vendor servers: a client that over-encodes does not find its job.
    """
    out = bytearray()
    for part in _ESCAPE.split(raw):
        if _ESCAPE.fullmatch(part):
            byte = int(part[1:], 16)
            if byte < 0x80 and chr(byte) in _SEGMENT_CHARS:
                out += part.encode("ascii")
            else:
                out.append(byte)
        else:
            out += part.encode("latin-1", errors="replace")  # the request line arrives decoded as latin-1
    return out.decode("utf-8", errors="replace")


def raw_path(target: str) -> str:
    """The path of a request target exactly as sent: everything before `?` (no decoding, no `//` surprises)."""
    return target.split("?", 1)[0].split("#", 1)[0]


@dataclass(frozen=True)
class SimRequest:
    method: str
    path: str  # raw, exactly as sent: percent-escapes are left for each simulator to read as its vendor would
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class SimResponse:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json_body(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> SimResponse:
        return cls(status, json.dumps(payload).encode(), "application/json", headers or {})

    @classmethod
    def xml_body(cls, text: str, status: int = 200) -> SimResponse:
        return cls(status, text.encode("utf-8"), "text/xml; charset=utf-8")


Handler = Callable[[SimRequest], SimResponse]


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str


class SimulatorServer:
    """Serves one simulator on 127.0.0.1:<free port> from a daemon thread until `stop()`."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = handler
        self._lock = threading.Lock()
        self.log: list[LoggedRequest] = []
        self._httpd = ThreadingHTTPServer((host, port), self._make_request_handler())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.log)

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, method: str, path: str) -> None:
        with self._lock:
            self.log.append(LoggedRequest(method, path))

    def _make_request_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One send per answer, and no Nagle: http.server wrote the headers and the body in two sends, and on a
            # kept-alive connection the second waited for the client's delayed ACK of the first (~40 ms a request;
            # a fresh connection is in quick-ACK mode and did not pay it). bench/keepalive.py measures it.
            wbufsize = -1  # buffered: handle_one_request flushes after each request
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: tests and the demo would otherwise print every request

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_REQUEST_BYTES:
                    self.send_error(413)
                    return
                body = self.rfile.read(length) if length else b""
                path = raw_path(self.path)
                request = SimRequest(
                    method=self.command,
                    path=path,
                    query=parse_qs(urlsplit(self.path).query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                server._record(self.command, path)
                response = server._handler(request)
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    if self.command != "HEAD":
                        self.wfile.write(response.body)
                    self.wfile.flush()  # here, where a client that went away is expected, not in http.server
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up on the answer (a size cap, a timeout): expected, not worth a traceback.
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_HEAD = _serve

        return RequestHandler


class Simulator(Protocol):
    base_url: str

    def handle(self, request: SimRequest) -> SimResponse: ...


def serve(simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> SimulatorServer:
    """Start serving `simulator` and tell it its own base URL (it builds result links from it)."""
    server = SimulatorServer(simulator.handle, host, port).start()
    simulator.base_url = server.base_url
    return server
