"""A fault-injecting HTTP server for tests, and a second server that records whatever reaches it.

`FaultServer` sits in front of any provider simulator (anything with `handle(SimRequest) -> SimResponse`): while
healthy it hands each request to the simulator; while a fault is set it answers every request with that fault
instead, whatever the path or method, so one server covers every provider. Both bind 127.0.0.1 on port 0.

Faults: an HTTP status with a body (4xx/5xx, encoding.com's 421, 429 with Retry-After), a hang past the client's
read timeout, a reset connection, a truncated body (Content-Length larger than what is sent), a body of tens of MB,
a wrong content type, a redirect to another host, an answer trickled one byte every N seconds (after the headers, or
the header lines themselves), raw bytes that are not HTTP (a broken status line, a 10 MB header line), and a
connection closed without a word.
"""

from __future__ import annotations

import enum
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from desktop_app.simulators.server import SimRequest, SimResponse, raw_path

Handler = Callable[[SimRequest], SimResponse]
MAX_REQUEST_BYTES = 1024 * 1024


class FaultKind(enum.StrEnum):
    STATUS = "status"  # an HTTP status with a body
    HANG = "hang"  # read the request, then say nothing until told to stop (or `hang_seconds`)
    RESET = "reset"  # close the connection with a TCP RST before answering
    TRUNCATED = "truncated"  # Content-Length promises more than is sent, then the connection closes
    HUGE = "huge"  # a 200 with a body of `size` bytes (declared or chunked)
    REDIRECT = "redirect"  # 3xx with a Location on another host
    TRICKLE = "trickle"  # headers at once, then the body one byte every `interval` seconds
    TRICKLE_HEADERS = "trickle_headers"  # the status line and header lines themselves, one byte every `interval`
    RAW = "raw"  # these bytes as they are, then close: whatever a broken server sends
    CLOSE = "close"  # read the request, close the connection without a byte


@dataclass(frozen=True)
class Fault:
    """One way to answer a request badly."""

    kind: FaultKind
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    size: int = 0
    chunked: bool = False
    location: str = ""
    hang_seconds: float = 30.0
    interval: float = 1.0

    # ---- the catalogue ------------------------------------------------------------------------------------

    @classmethod
    def http(cls, status: int, body: bytes = b"", content_type: str = "text/plain", **headers: str) -> Fault:
        return cls(FaultKind.STATUS, status=status, body=body, content_type=content_type, headers=dict(headers))

    @classmethod
    def rate_limited(cls, seconds: int = 7) -> Fault:
        return cls.http(
            429, b'{"error": true, "message": "Too many requests"}', "application/json", **{"Retry-After": str(seconds)}
        )

    @classmethod
    def rate_limited_until(cls, when: datetime) -> Fault:
        return cls.http(429, b"slow down", "text/plain", **{"Retry-After": format_datetime(when, usegmt=True)})

    @classmethod
    def rate_limited_in(cls, seconds: int) -> Fault:
        return cls.rate_limited_until(datetime.now(UTC) + timedelta(seconds=seconds))

    @classmethod
    def hang(cls, seconds: float = 30.0) -> Fault:
        return cls(FaultKind.HANG, hang_seconds=seconds)

    @classmethod
    def reset(cls) -> Fault:
        return cls(FaultKind.RESET)

    @classmethod
    def truncated(cls) -> Fault:
        return cls(FaultKind.TRUNCATED, status=200, body=b'{"status": "wor', content_type="application/json")

    @classmethod
    def huge(cls, size: int = 30 * 1024 * 1024, chunked: bool = False) -> Fault:
        return cls(FaultKind.HUGE, status=200, size=size, chunked=chunked)

    @classmethod
    def wrong_content_type(cls) -> Fault:
        return cls.http(200, b"<html><body><h1>Welcome to our captive portal</h1></body></html>", "text/html")

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Fault:
        return cls(FaultKind.REDIRECT, status=status, location=location)

    @classmethod
    def trickle(
        cls, interval: float = 2.0, body: bytes = b'{"status": "working"}' + b" " * 200, content_type: str = ""
    ) -> Fault:
        """A 200 whose headers come at once and whose body (Content-Length honest) comes a byte per `interval`."""
        return cls(FaultKind.TRICKLE, body=body, content_type=content_type or "application/json", interval=interval)

    @classmethod
    def trickle_headers(cls, interval: float = 2.0) -> Fault:
        """The status line and header lines a byte per `interval`: the answer never gets past its headers."""
        return cls(FaultKind.TRICKLE_HEADERS, interval=interval)

    @classmethod
    def raw(cls, data: bytes) -> Fault:
        return cls(FaultKind.RAW, body=data)

    @classmethod
    def huge_header_line(cls, size: int = 10 * 1024 * 1024) -> Fault:
        """A status line, then one header line of `size` bytes."""
        return cls.raw(b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * size + b"\r\nContent-Length: 2\r\n\r\n{}")

    @classmethod
    def broken_status_line(cls) -> Fault:
        return cls.raw(b"HTTP/1.1 two hundred OK\r\nContent-Length: 2\r\n\r\n{}")

    @classmethod
    def not_http(cls) -> Fault:
        return cls.raw(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")

    @classmethod
    def close(cls) -> Fault:
        return cls(FaultKind.CLOSE)


@dataclass(frozen=True)
class RecordedRequest:
    """Everything a request carried: the raw target (path and query as sent), headers and body."""

    method: str
    target: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @property
    def path(self) -> str:
        return raw_path(self.target)

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def as_bytes(self) -> bytes:
        """The whole request as one blob, for "is the secret anywhere in it" checks."""
        head = "\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method} {self.target}\n{head}\n\n".encode(errors="replace") + self.body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FaultServer:
    """Serves `handler` on 127.0.0.1:<free port> unless a fault is set; records every request."""

    def __init__(self, handler: Handler | None = None, picker: Callable[[], Fault | None] | None = None) -> None:
        """`picker`, when given, is asked on every request without an injected fault: a Fault to answer with, or
        None to serve normally (the soak bench draws random faults this way)."""
        self._handler = handler
        self._picker = picker
        self.keep_requests = True
        self._lock = threading.Lock()
        self._fault: Fault | None = None
        self._fault_times: int | None = None  # None: until cleared
        self._stopping = threading.Event()
        self.requests: list[RecordedRequest] = []
        self.faults_served = 0
        self.total_requests = 0
        self._httpd = _Server(("127.0.0.1", 0), self._make_request_handler())
        self._thread: threading.Thread | None = None

    # ---- control ------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def set_handler(self, handler: Handler) -> None:
        self._handler = handler

    def inject(self, fault: Fault, times: int | None = None) -> None:
        """Answer the next `times` requests (all of them when None) with `fault`."""
        with self._lock:
            self._fault, self._fault_times = fault, times

    def heal(self) -> None:
        with self._lock:
            self._fault, self._fault_times = None, None

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def start(self) -> FaultServer:
        # A short poll interval: shutdown() waits for it, and tests start and stop many servers.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- serving ------------------------------------------------------------------------------------------

    def _take_fault(self) -> Fault | None:
        with self._lock:
            fault = self._fault
            if fault is None:
                picked = self._picker() if self._picker is not None else None
                if picked is not None:
                    self.faults_served += 1
                return picked
            self.faults_served += 1
            if self._fault_times is not None:
                self._fault_times -= 1
                if self._fault_times <= 0:
                    self._fault, self._fault_times = None, None
            return fault

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.total_requests += 1
            if self.keep_requests:  # off for long runs: the log would grow without bound
                self.requests.append(request)

    def _make_request_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # No Nagle: headers and body go in two sends (kept unbuffered so the trickle and truncation faults
            # write exactly what they say), and with Nagle the body waited ~40 ms for the client's delayed ACK on
            # every kept-alive request (bench/keepalive.py).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_REQUEST_BYTES:
                    self.send_error(413)
                    return
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                server._record(RecordedRequest(self.command, self.path, headers, body))
                fault = server._take_fault()
                try:
                    if fault is None:
                        self._answer_normally(headers, body)
                    else:
                        self._answer_with(fault)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up on a huge or slow answer: expected

            def _answer_normally(self, headers: dict[str, str], body: bytes) -> None:
                if server._handler is None:
                    self._send(SimResponse(404, b'{"error": "no handler"}'))
                    return
                query = parse_qs(urlsplit(self.path).query)
                request = SimRequest(self.command, raw_path(self.path), query, headers, body)
                self._send(server._handler(request))

            def _send(self, response: SimResponse) -> None:
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(response.body)

            def _answer_with(self, fault: Fault) -> None:
                if fault.kind == FaultKind.STATUS:
                    self._send(SimResponse(fault.status, fault.body, fault.content_type, dict(fault.headers)))
                elif fault.kind == FaultKind.REDIRECT:
                    self._send(SimResponse(fault.status, b"", "text/plain", {"Location": fault.location}))
                elif fault.kind == FaultKind.HANG:
                    server._stopping.wait(fault.hang_seconds)
                    self.close_connection = True
                elif fault.kind == FaultKind.RESET:
                    # SO_LINGER with a zero timeout turns close() into a RST.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                elif fault.kind == FaultKind.TRUNCATED:
                    self.send_response(fault.status)
                    self.send_header("Content-Type", fault.content_type)
                    self.send_header("Content-Length", str(len(fault.body) + 1000))
                    self.end_headers()
                    self.wfile.write(fault.body)
                    self.wfile.flush()
                    self.close_connection = True
                elif fault.kind == FaultKind.HUGE:
                    self._send_huge(fault)
                elif fault.kind == FaultKind.TRICKLE:
                    head = (
                        f"HTTP/1.1 200 OK\r\nContent-Type: {fault.content_type}\r\n"
                        f"Content-Length: {len(fault.body)}\r\n\r\n"
                    ).encode()
                    self.wfile.write(head)
                    self._trickle(fault.body, fault.interval)
                elif fault.kind == FaultKind.TRICKLE_HEADERS:
                    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Slow: " + b"s" * 10_000
                    self._trickle(head, fault.interval)
                elif fault.kind == FaultKind.RAW:
                    self.wfile.write(fault.body)
                    self.wfile.flush()
                    self.close_connection = True
                elif fault.kind == FaultKind.CLOSE:
                    self.close_connection = True

            def _trickle(self, data: bytes, interval: float) -> None:
                self.wfile.flush()
                for index in range(len(data)):
                    if server._stopping.wait(interval):
                        break
                    self.wfile.write(data[index : index + 1])
                    self.wfile.flush()
                self.close_connection = True

            def _send_huge(self, fault: Fault) -> None:
                self.send_response(fault.status)
                self.send_header("Content-Type", "application/json")
                if fault.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(fault.size))
                self.end_headers()
                chunk = b" " * 65536
                sent = 0
                while sent < fault.size and not server._stopping.is_set():
                    piece = chunk[: min(len(chunk), fault.size - sent)]
                    if fault.chunked:
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    else:
                        self.wfile.write(piece)
                    sent += len(piece)
                if fault.chunked:
                    self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        return RequestHandler


class RecordingServer(FaultServer):
    """The "other host" of a redirect: answers 200 to anything and records it. It must stay empty."""

    def __init__(self) -> None:
        super().__init__(lambda request: SimResponse(200, b'{"status": "success"}', "application/json"))


def serve_faults(handler: Handler | None = None) -> FaultServer:
    return FaultServer(handler).start()
