"""The Provider interface and the HTTP transport every provider shares.

The transport owns the rules no provider should have to remember: connect/read timeouts and a deadline over the
whole exchange, TLS verification on, our User-Agent, a cap on the size of an answer, no redirects followed
(requests would carry custom credential headers such as `x-api-key` to the new host), and error messages that say
what happened. Nothing here logs a header or a body.

Text from a server is untrusted: `server_text` makes it storable (exact, but no lone surrogate) for a Status
field, `short_text` makes it displayable for an error message, and `result_link` keeps only http(s) links.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import quote, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from desktop_app import __version__
from desktop_app.core.errors import ProtocolError, RateLimited, TransientError
from desktop_app.core.ids import IdSpec
from desktop_app.core.model import Secret, Status
from desktop_app.core.retry_after import parse_retry_after
from desktop_app.core.schedule import PollPolicy
from desktop_app.core.text import displayable, storable
from desktop_app.core.urls import is_openable_link
from desktop_app.system.logs import redact, register_secret

log = logging.getLogger(__name__)

USER_AGENT = f"JobTray/{__version__}"
DEFAULT_TIMEOUT = (5.0, 20.0)  # connect, read (seconds); the read timeout restarts with every byte received
DEFAULT_DEADLINE = 30.0  # seconds for a whole exchange: connect, send, headers and body
DEFAULT_MAX_BYTES = 4 * 1024 * 1024  # no status answer is anywhere near this
MAX_STATUS_TEXT = 4000  # characters of server text kept in a Status field


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """What a provider needs to talk to one account. Frozen: it crosses into worker threads.

    Attributes:
        timeout: (connect, read) seconds; the read timeout restarts with every byte.
        deadline: seconds for one whole request (connect plus the complete answer); past it the request ends
            with a TransientError, however slowly the server keeps sending.
    """

    base_url: str
    secret: Secret
    username: str | None = None
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    max_response_bytes: int = DEFAULT_MAX_BYTES
    deadline: float = DEFAULT_DEADLINE
    # The account's own variables (`account add --var NAME=VALUE`) for a defined provider's path: (name, value).
    variables: tuple[tuple[str, str], ...] = ()


class _Contradiction(Exception):
    pass


def _one_value_per_key(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found and found[key] != value:
            raise _Contradiction(f'"{short_text(key, 40)}" is given twice with different values')
        found[key] = value
    return found


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ProtocolError if it is not, or if an object names a key twice with two values (one
        answer saying two things: `json.loads` would keep the last silently)."""
        try:
            return json.loads(self.body, object_pairs_hook=_one_value_per_key)
        except _Contradiction as exc:
            raise ProtocolError(f"the answer contradicts itself: {exc}") from None
        except (ValueError, RecursionError) as exc:
            raise ProtocolError(f"the answer is not valid JSON (HTTP {self.status})") from exc

    def retry_after(self) -> float | None:
        return parse_retry_after(self.header("Retry-After"), self.received_at)


def short_text(text: str, limit: int = 200) -> str:
    """A server-supplied message made safe for one log, error or notification line.

    Servers quote what they were sent ("invalid key abc123"): every known secret is blanked first. Then escape
    sequences go, controls and bidi overrides are shown escaped (`displayable`), and runs of spaces collapse.
    """
    cleaned = re.sub(r"\s+", " ", displayable(redact(text))).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def server_text(text: str | None, limit: int = MAX_STATUS_TEXT) -> str | None:
    """Server text for a Status field: exact (only trimmed), but storable (no lone surrogate), no known secret,
    and at most `limit` characters. None for missing or blank text. Display code makes it displayable later."""
    if text is None:
        return None
    cleaned = storable(redact(text)).strip()
    if not cleaned:
        return None
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def result_link(url: str | None) -> str | None:
    """`url` if it is an http(s) link with a host and no whitespace or control characters, else None."""
    return url if isinstance(url, str) and is_openable_link(url) else None


# RFC 3986 pchar = unreserved / pct-encoded / sub-delims / ":" / "@". `quote` never escapes unreserved characters.
_PCHAR_SAFE = "!$&'()*+,;=:@"


def path_segment(token: str) -> str:
    """`token` as one path segment, escaped the way the vendors' own clients do: only what cannot stand in a
    segment (`/ ? # %`, whitespace, controls, non-ASCII, `" < > \\ ^ ` { | }`) is percent-encoded; `: @ ! $ & ' ( )
    * + , ; =` stay as they are, because some vendors' servers do not decode the path (`%3A` is not `:` to them).

    A token of only dots cannot be sent: clients and servers resolve `.` and `..` as path steps (and requests
    turns `%2E` back into `.`), so it would reach another path. That is a ProtocolError about this job.
    """
    if token in (".", ".."):
        raise ProtocolError(f"the job ID {token!r} cannot be sent as a path segment")
    return quote(token, safe=_PCHAR_SAFE)


# ---- the deadline over a whole exchange -----------------------------------------------------------------------

_current = threading.local()  # the _Exchange of the request this thread is making, if any


class _Exchange:
    """One request in flight: the sockets it uses, and why it was stopped (the deadline, or abandon()).

    Stopping shuts the sockets down (from any thread), which wakes a read blocked in the request's thread. It
    works on duplicates of the socket's descriptor, so the request's own (possibly TLS) socket object is never
    touched from another thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: dict[int, socket.socket] = {}
        self.reason: str | None = None

    def watch(self, sock: socket.socket) -> None:
        try:
            fd = sock.fileno()
            if fd < 0:
                return
            duplicate = socket.fromfd(fd, sock.family, sock.type)
        except OSError:
            return
        with self._lock:
            if fd in self._sockets:
                duplicate.close()
                return
            self._sockets[fd] = duplicate
            stopped = self.reason is not None
        if stopped:
            _shutdown(duplicate)

    def stop(self, reason: str) -> None:
        with self._lock:
            if self.reason is not None:
                return
            self.reason = reason
            sockets = list(self._sockets.values())
        for sock in sockets:
            _shutdown(sock)

    def close(self) -> None:
        with self._lock:
            sockets = list(self._sockets.values())
            self._sockets.clear()
        for sock in sockets:
            sock.close()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side or by urllib3
        sock.shutdown(socket.SHUT_RDWR)


def _watch_current(sock: socket.socket | None) -> None:
    exchange: _Exchange | None = getattr(_current, "exchange", None)
    if exchange is not None and sock is not None:
        exchange.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    """Hands each socket it connects or reuses to the thread's current exchange."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch_current(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch_current(self.sock)  # a reused keep-alive connection
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watch_current(sock)  # before the TLS handshake: the deadline covers it too
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch_current(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS: dict[str, type[HTTPConnectionPool]] = {
    "http": _WatchedHTTPConnectionPool,
    "https": _WatchedHTTPSConnectionPool,
}


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter with connection pools whose sockets the deadline and abandon() can reach."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools are their own classes: checked between chunks only
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager


class _HeaderParsingNoise(logging.Filter):
    """urllib3 logs a traceback for a malformed header line; we report the answer ourselves, without one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to parse headers")


logging.getLogger("urllib3.connection").addFilter(_HeaderParsingNoise())


# ---- what went wrong, in words ----------------------------------------------------------------------------------


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything it wraps: causes, contexts, urllib3's `reason` and exceptions carried in `args`."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nested in (current.__cause__, current.__context__, getattr(current, "reason", None), *current.args):
            if isinstance(nested, BaseException):
                stack.append(nested)


def describe_failure(exc: BaseException, host: str) -> str:
    """One line saying what happened to a request that raised `exc`: the server could not be reached, broke
    the connection, or answered something that is not HTTP."""
    chain = list(_causes(exc))

    def has(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in chain)

    if has(ssl.SSLCertVerificationError):
        return f"TLS error talking to {host}: the certificate could not be verified"
    if has(urllib3.exceptions.NameResolutionError, socket.gaierror):
        return f"cannot reach {host}: the name could not be resolved"
    if has(ConnectionRefusedError):
        return f"cannot reach {host}: the connection was refused"
    if has(urllib3.exceptions.ConnectTimeoutError, requests.exceptions.ConnectTimeout):
        return f"cannot reach {host}: connecting timed out"
    if has(urllib3.exceptions.NewConnectionError):
        return f"cannot reach {host}"
    if has(http.client.RemoteDisconnected):  # before ConnectionResetError and BadStatusLine: it is both
        return f"{host} closed the connection without answering"
    if has(urllib3.exceptions.InvalidChunkLength, urllib3.exceptions.InvalidHeader):
        return f"{host} answered with an invalid HTTP response"
    if has(http.client.IncompleteRead, urllib3.exceptions.IncompleteRead):
        return f"{host} closed the connection before the answer was complete"
    if has(ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
        return f"the connection to {host} was reset"
    if has(http.client.HTTPException):  # LineTooLong, BadStatusLine, UnknownProtocol, too many headers
        return f"{host} answered with an invalid HTTP response"
    if has(requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError, TimeoutError, socket.timeout):
        return f"{host} did not answer in time"
    if has(ssl.SSLError):
        return f"TLS error talking to {host}"
    if has(requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError):
        return f"{host} closed the connection before the answer was complete"
    return f"request to {host} failed: {type(exc).__name__}"


# ---- the transport ----------------------------------------------------------------------------------------------


class HttpTransport:
    """One `requests.Session` per account with the safety rules above.

    Thread safety: `request` is meant for one thread at a time (the account's worker); `abandon` may be called
    from any thread.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.requests_sent = 0
        self._lock = threading.Lock()
        self._abandoned = False
        self._in_flight: set[_Exchange] = set()
        self._session = requests.Session()
        adapter = _WatchedAdapter(max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.verify = True

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def abandon(self) -> None:
        """End every request in flight at once (TransientError in its thread) and refuse all later ones.

        Safe from any thread: the tray calls it when an account is removed while its worker waits for an answer.
        A request still connecting ends when the connection is made or fails (within the connect timeout).
        """
        with self._lock:
            self._abandoned = True
            in_flight = list(self._in_flight)
        for exchange in in_flight:
            exchange.stop("abandoned")

    @property
    def abandoned(self) -> bool:
        with self._lock:
            return self._abandoned

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Send one request; TransientError for network trouble, a broken or invalid answer and the deadline,
        ProtocolError for redirects and huge answers."""
        url = self.base_url + path
        host = urlsplit(url).netloc
        exchange = _Exchange()
        with self._lock:
            if self._abandoned:
                raise TransientError(f"the request to {host} was abandoned: the account is being removed")
            self._in_flight.add(exchange)
            self.requests_sent += 1
        started = time.monotonic()
        timer = threading.Timer(self.deadline, exchange.stop, args=("deadline",))
        timer.daemon = True
        timer.start()
        _current.exchange = exchange
        connect, read = self.timeout
        try:
            try:
                with self._session.request(
                    method,
                    url,
                    headers=dict(headers or {}),
                    json=json_body,
                    data=form,
                    timeout=(min(connect, self.deadline), read),
                    allow_redirects=False,
                    stream=True,
                ) as response:
                    body = self._read_capped(response, started + self.deadline)
                    status = response.status_code
                    response_headers = {k.lower(): v for k, v in response.headers.items()}
            except ProtocolError:
                if exchange.reason is None:
                    raise
                body, status, response_headers = b"", 0, {}  # the reason below says what happened
            except (requests.exceptions.RequestException, OSError, ValueError, http.client.HTTPException) as exc:
                if exchange.reason is None:
                    raise TransientError(describe_failure(exc, host)) from exc
                body, status, response_headers = b"", 0, {}
            if exchange.reason is not None:
                # Whatever was read, it is not the whole answer: a stopped read can look like a clean end of body.
                self._session.close()  # the pooled connection is dead; the next request opens a new one
                raise TransientError(self._stopped_message(exchange.reason, host))
        finally:
            timer.cancel()
            _current.exchange = None
            with self._lock:
                self._in_flight.discard(exchange)
            exchange.close()
        if 300 <= status < 400:
            location = response_headers.get("location", "?")
            raise ProtocolError(
                f"{host} redirected to {short_text(location, 120)}; JobTray does not follow redirects with "
                "credentials attached: set the account's base URL to the new address"
            )
        return HttpResponse(status=status, headers=response_headers, body=body)

    def _stopped_message(self, reason: str, host: str) -> str:
        if reason == "abandoned":
            return f"the request to {host} was abandoned: the account is being removed"
        return f"{host} did not send a complete answer within {self.deadline:g} s"

    def _read_capped(self, response: requests.Response, deadline_at: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if re.fullmatch(r"[0-9]{1,20}", declared) and int(declared) > self.max_bytes:
            raise ProtocolError(f"the answer is too large ({int(declared)} bytes)")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > self.max_bytes:
                raise ProtocolError(f"the answer is larger than {self.max_bytes} bytes")
            chunks.append(chunk)
            if time.monotonic() >= deadline_at:
                exchange: _Exchange | None = getattr(_current, "exchange", None)
                if exchange is not None:
                    exchange.stop("deadline")
                break
        return b"".join(chunks)

    def close(self) -> None:
        self._session.close()


def raise_for_common_errors(response: HttpResponse) -> None:
    """The HTTP codes that mean the same for every provider: 429 and 5xx."""
    if response.status == 429:
        raise RateLimited("the provider is rate limiting us (HTTP 429)", response.retry_after())
    if 500 <= response.status <= 599:
        raise TransientError(f"the provider had a server error (HTTP {response.status})", response.retry_after())


class Provider(Protocol):
    """What a poller needs from a provider module."""

    name: ClassVar[str]
    display_name: ClassVar[str]
    max_batch: ClassVar[int]

    def check(self, job_ids: Sequence[str]) -> list[Status]:
        """Statuses for `job_ids` (at most `max_batch`); raises only core.errors."""
        ...

    def result_url(self, job_id: str, status: Status) -> str | None: ...

    def close(self) -> None: ...


class HttpProvider:
    """Shared plumbing for the HTTP providers; each subclass implements `check` and states its metadata.

    The metadata are class attributes, so a provider is one module: the registry (`providers/registry.py`) lists
    the classes and derives every table by provider (ID specs, display names, policies) from them.
    """

    name: ClassVar[str]  # "pdfco": the name accounts and the CLI use
    display_name: ClassVar[str]  # "PDF.co": the name the user knows it by
    id_spec: ClassVar[IdSpec]  # what its job IDs look like (core.ids)
    poll_policy: ClassVar[PollPolicy] = PollPolicy()  # how its jobs are paced (core.schedule)
    default_base_url: ClassVar[str]
    max_batch: ClassVar[int] = 1
    default_rate_limit: ClassVar[str] = "1/s"
    default_username: ClassVar[str | None] = None
    # How the CLI asks for the secret: "API key", "licence GUID", "user key".
    secret_name: ClassVar[str] = "API key"  # noqa: S105 - a label, not a secret

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        # From now on no message we build or log can repeat the key, even when a server echoes it back.
        register_secret(config.secret.reveal())
        self.transport = HttpTransport(
            config.base_url,
            timeout=config.timeout,
            max_bytes=config.max_response_bytes,
            deadline=config.deadline,
        )

    def check(self, job_ids: Sequence[str]) -> list[Status]:
        raise NotImplementedError

    @classmethod
    def credential_headers(cls, config: ProviderConfig) -> dict[str, str]:
        """The headers this provider authenticates with; also what a result on the provider's own host needs.
        None by default: some providers put their credentials in the request body."""
        return {}

    def result_url(self, job_id: str, status: Status) -> str | None:
        return status.result_url

    def abandon(self) -> None:
        """Make a request in flight end promptly with a TransientError, and every later one fail at once.

        Thread-safe: meant to be called from another thread (the tray, when an account is removed while its
        worker sits in a request). It cannot be undone; create a new provider to talk to the account again.
        """
        self.transport.abandon()

    def close(self) -> None:
        self.transport.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.config.base_url!r})"


ProviderFactory = Callable[[ProviderConfig], HttpProvider]
