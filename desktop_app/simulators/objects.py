"""A stand-in for S3 serving presigned result links (PDF.co's results live there), on 127.0.0.1.

Strict where it matters to us: a presigned link carries its own signature, so a request that also brings a
credential header (`x-api-key`, `Authorization`) is refused with 400, as S3 refuses a second auth mechanism, and
counted in `credentials_seen`. An expired link answers 403 `AccessDenied`. Objects can misbehave on purpose: the
connection reset halfway, no Content-Length (the body ends when the connection closes), a trickle, a redirect,
or held: half the body, then the rest only once `release()` is called (a slow host a test can stop in mid-stream).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote, urlsplit

BUCKET = "pdf-temp-files"
_CREDENTIAL_HEADERS = ("x-api-key", "authorization")


@dataclass
class StoredObject:
    body: bytes
    content_type: str = "application/octet-stream"
    content_disposition: str | None = None
    mode: str = "normal"  # normal, reset (half the body, then a reset), no_length, trickle, redirect, held
    expired: bool = False
    redirect_to: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    header_names: tuple[str, ...]  # lower-case; never the values


class ObjectStoreServer:
    """Serves `put` objects at presigned-looking URLs until `stop()`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self.objects: dict[str, StoredObject] = {}
        self.seen: list[SeenRequest] = []
        self.credentials_seen = 0
        self.held = threading.Event()  # set while a held body waits halfway
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="object-store", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ObjectStoreServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ObjectStoreServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def put(self, key: str, body: bytes, **options: Any) -> str:
        """Store an object; returns its presigned-looking URL."""
        with self._lock:
            self.objects[key] = StoredObject(body, **options)
        return self.url(key)

    def has(self, key: str) -> bool:
        with self._lock:
            return key in self.objects

    def release(self) -> None:
        """Let held bodies (mode `held`) finish, now and from now on."""
        self._release.set()

    def expire(self, key: str) -> None:
        with self._lock:
            self.objects[key].expired = True

    def url(self, key: str) -> str:
        # The folder, then the name as one segment: a name holding `/` or `..` stays one name, as S3 keys do.
        folder, _, name = key.partition("/")
        path = f"{quote(folder, safe='')}/{quote(name, safe='')}" if name else quote(folder, safe="")
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        return (
            f"{self.base_url}/{BUCKET}/{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={stamp}"
            "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0"
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two sends: see server.py (~40 ms kept-alive)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _error(self, status: int, code: str, message: str) -> None:
                body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                names = tuple(sorted(k.lower() for k in self.headers))
                path = urlsplit(self.path).path
                with server._lock:
                    server.seen.append(SeenRequest(self.command, path, names))
                    if any(name in names for name in _CREDENTIAL_HEADERS):
                        server.credentials_seen += 1
                        refused = True
                    else:
                        refused = False
                if refused:
                    self._error(400, "InvalidArgument", "Only one auth mechanism allowed")
                    return
                prefix = f"/{BUCKET}/"
                key = unquote(path[len(prefix) :]) if path.startswith(prefix) else None
                with server._lock:
                    obj = server.objects.get(key) if key is not None else None
                if obj is None:
                    self._error(404, "NoSuchKey", "The specified key does not exist.")
                    return
                if obj.expired:
                    self._error(403, "AccessDenied", "Request has expired")
                    return
                if obj.mode == "redirect" and obj.redirect_to:
                    self.send_response(307)
                    self.send_header("Location", obj.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", obj.content_type)
                if obj.content_disposition is not None:
                    self.send_header("Content-Disposition", obj.content_disposition)
                for name, value in obj.extra_headers.items():
                    self.send_header(name, value)
                if obj.mode == "no_length":
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(obj.body)))
                self.end_headers()
                if self.command == "HEAD":
                    return
                try:
                    self._body(obj)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_HEAD = do_GET

            def _body(self, obj: StoredObject) -> None:
                if obj.mode == "reset":
                    self.wfile.write(obj.body[: len(obj.body) // 2])
                    self.wfile.flush()
                    time.sleep(0.05)
                    # SO_LINGER 0: closing sends a TCP reset instead of a clean end.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    with contextlib.suppress(OSError):
                        self.connection.close()
                    self.close_connection = True
                    return
                if obj.mode == "held" and not server._release.is_set():
                    self.wfile.write(obj.body[: len(obj.body) // 2])
                    self.wfile.flush()
                    server.held.set()
                    server._release.wait(60)
                    self.wfile.write(obj.body[len(obj.body) // 2 :])
                    return
                if obj.mode == "trickle":
                    for byte in obj.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.2)
                    return
                self.wfile.write(obj.body)

        return Handler
