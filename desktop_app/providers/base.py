"""The Provider interface and the HTTP transport every provider shares.

The transport owns the rules no provider should have to remember: connect/read timeouts, TLS verification on,
our User-Agent, a cap on the size of an answer, and no redirects followed (requests would carry custom credential
headers such as `x-api-key` to the new host). Nothing here logs a header or a body.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

import requests

from desktop_app import __version__
from desktop_app.core.errors import ProtocolError, RateLimited, TransientError
from desktop_app.core.ids import ID_SPECS, IdSpec
from desktop_app.core.model import Secret, Status
from desktop_app.core.retry_after import parse_retry_after
from desktop_app.system.logs import redact, register_secret

log = logging.getLogger(__name__)

USER_AGENT = f"JobTray/{__version__}"
DEFAULT_TIMEOUT = (5.0, 20.0)  # connect, read (seconds)
DEFAULT_MAX_BYTES = 4 * 1024 * 1024  # no status answer is anywhere near this


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """What a provider needs to talk to one account. Frozen: it crosses into worker threads."""

    base_url: str
    secret: Secret
    username: str | None = None
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    max_response_bytes: int = DEFAULT_MAX_BYTES


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
        """The body as JSON; ProtocolError if it is not."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as exc:
            raise ProtocolError(f"the answer is not valid JSON (HTTP {self.status})") from exc

    def retry_after(self) -> float | None:
        return parse_retry_after(self.header("Retry-After"), self.received_at)


def short_text(text: str, limit: int = 200) -> str:
    """A server-supplied message made safe for one log or notification line.

    Servers quote what they were sent ("invalid key abc123"): every known secret is blanked first.
    """
    cleaned = re.sub(r"\s+", " ", redact(text)).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


class HttpTransport:
    """One `requests.Session` per account with the safety rules above."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.requests_sent = 0
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.verify = True

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Send one request; TransientError for network trouble, ProtocolError for redirects and huge answers."""
        url = self.base_url + path
        host = urlsplit(url).netloc
        self.requests_sent += 1
        try:
            with self._session.request(
                method,
                url,
                headers=dict(headers or {}),
                json=json_body,
                data=form,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                body = self._read_capped(response)
                status = response.status_code
                response_headers = {k.lower(): v for k, v in response.headers.items()}
        except requests.exceptions.SSLError as exc:
            raise TransientError(f"TLS error talking to {host}: the certificate could not be verified") from exc
        except requests.exceptions.Timeout as exc:
            raise TransientError(f"{host} did not answer in time") from exc
        except requests.exceptions.ConnectionError as exc:
            raise TransientError(f"cannot reach {host}") from exc
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"request to {host} failed: {type(exc).__name__}") from exc
        if 300 <= status < 400:
            location = response_headers.get("location", "?")
            raise ProtocolError(
                f"{host} redirected to {short_text(location, 120)}; JobTray does not follow redirects with "
                "credentials attached: set the account's base URL to the new address"
            )
        return HttpResponse(status=status, headers=response_headers, body=body)

    def _read_capped(self, response: requests.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise ProtocolError(f"the answer is too large ({int(declared)} bytes)")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > self.max_bytes:
                    raise ProtocolError(f"the answer is larger than {self.max_bytes} bytes")
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            # Connection reset or truncated body while reading: the answer is incomplete, try later.
            raise TransientError("the connection broke while reading the answer") from exc
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
    """Shared plumbing for the HTTP providers; each subclass implements `check`."""

    name: ClassVar[str]
    display_name: ClassVar[str]
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
        self.transport = HttpTransport(config.base_url, timeout=config.timeout, max_bytes=config.max_response_bytes)

    @classmethod
    def id_spec(cls) -> IdSpec:
        return ID_SPECS[cls.name]

    def check(self, job_ids: Sequence[str]) -> list[Status]:
        raise NotImplementedError

    def result_url(self, job_id: str, status: Status) -> str | None:
        return status.result_url

    def close(self) -> None:
        self.transport.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.config.base_url!r})"


ProviderFactory = Callable[[ProviderConfig], HttpProvider]
