"""Saving a finished job's result before its link expires (PDF.co's last an hour): one blocking HTTP download.

Qt-free and store-free, so the tray's download worker (a QThread) and `jobtray watch` (a background thread) run the
same code; the caller records the `DownloadOutcome` where the store lives.

The rules:
- only http(s), TLS verification on; the provider's credentials go only to the account's own origin (scheme, host
  and port of its base URL): a PDF.co result on S3 gets no `x-api-key`. A redirect is followed (at most
  MAX_REDIRECTS, never from https to http) without any credentials.
- streamed to `NAME.part` in the folder, renamed to NAME when complete (never over an existing file: ` (2)`,
  ` (3)`...); the name from `Content-Disposition` or the URL (`core.filenames`, made safe).
- a size cap (a result over it is left as a link, and the user told), free space checked before and during, and a
  deadline over the whole download (a server trickling a byte at a time cannot hold it open for ever).
- any failure removes the `.part` file: nothing half-written stays behind looking complete.
- the final name is told (`on_target`) before the body is written and long before the rename, so that a resumed
  download (the outbox's `target_name`, `DownloadRequest.target_name`) reuses it: a crash between the rename and its
  record never yields `report (2).pdf`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import requests
import requests.adapters

from desktop_app import __version__
from desktop_app.core.filenames import numbered, part_name, result_file_name
from desktop_app.core.model import Secret
from desktop_app.core.settings import DEFAULT_DOWNLOAD_CAP
from desktop_app.core.urls import is_openable_link
from desktop_app.providers.base import ProviderConfig, describe_failure, short_text

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (10.0, 30.0)  # connect, read (the read timeout restarts with every byte)
DEFAULT_DEADLINE = 3600.0  # a whole download; its links last about that long anyway
DEFAULT_RESERVE = 64 * 1024**2  # keep this much free on the disk after the file
MAX_REDIRECTS = 5
CHUNK_BYTES = 256 * 1024
SPACE_CHECK_BYTES = 8 * 1024**2  # look at the free space again after writing this much
PROGRESS_SECONDS = 0.25  # at most this often
_REDIRECTS = (301, 302, 303, 307, 308)
_MAX_NUMBERED = 1000

FreeSpace = Callable[[Path], int]
Progress = Callable[[int, "int | None"], None]
Target = Callable[[str], None]


def _free_space(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, with the default port filled in; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or (443 if scheme == "https" else 80)


def credentials_for(provider: str, config: ProviderConfig) -> tuple[tuple[str, Secret], ...]:
    """The provider's credential headers (its own `credential_headers`; wrapped: a repr shows none), sent only to
    `config.base_url`'s origin. PDF.co's results live on S3 and get none; encoding.com and iPaper put their
    credentials in the request body, not a header."""
    from desktop_app.providers.registry import provider_class

    headers = provider_class(provider).credential_headers(config)
    return tuple((name, Secret(value)) for name, value in headers.items())


@dataclass(frozen=True, slots=True)
class DownloadRequest:
    """One result to save; frozen, it crosses into the worker thread.

    Attributes:
        row_id, account, job_id: which job (echoed in the outcome).
        url: the result link.
        folder: where to save it (created if missing).
        max_bytes: the size cap; a larger result is not saved.
        credentials: header name and value, sent only when the URL's origin is `credential_origin`.
        credential_origin: the account's base URL.
        target_name: the file name to use (a resumed download: the name recorded by the first attempt), else
            chosen from the answer.
    """

    row_id: int
    account: str
    job_id: str
    url: str
    folder: str
    max_bytes: int = DEFAULT_DOWNLOAD_CAP
    credentials: tuple[tuple[str, Secret], ...] = ()
    credential_origin: str | None = None
    deadline: float = DEFAULT_DEADLINE
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    reserve_bytes: int = DEFAULT_RESERVE
    target_name: str | None = None

    def headers_for(self, url: str) -> dict[str, str]:
        """The credentials for `url`, or none when it is not the account's own origin."""
        if not self.credentials or self.credential_origin is None:
            return {}
        wanted = origin(self.credential_origin)
        if wanted is None or origin(url) != wanted:
            return {}
        return {name: value.reveal() for name, value in self.credentials}


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    row_id: int
    account: str
    received: int
    total: int | None


@dataclass(frozen=True, slots=True)
class DownloadOutcome:
    """What a download did. `path` is set when the file is complete; else `error` says why (one line).

    Attributes:
        too_large: the result is over the cap (or the disk's room): it stays a link.
        retry: the failure may pass (the connection, the server's 5xx, the deadline): worth another attempt.
        stopped: our own `abandon()` ended it (a stop or a quit): nothing failed, it is to resume.
    """

    row_id: int
    account: str
    job_id: str
    path: str | None = None
    error: str | None = None
    size: int = 0
    too_large: bool = False
    retry: bool = False
    stopped: bool = False

    @property
    def ok(self) -> bool:
        return self.path is not None


class _Failed(Exception):
    def __init__(self, message: str, too_large: bool = False, retry: bool = False, stopped: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large
        self.retry = retry
        self.stopped = stopped


class Download:
    """One download; `run` blocks (call it in a worker or background thread), `abandon` from any thread."""

    def __init__(
        self,
        request: DownloadRequest,
        *,
        free_space: FreeSpace = _free_space,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.request = request
        self._free_space = free_space
        self._clock = clock
        self._lock = threading.Lock()
        self._stopped: str | None = None
        self._socket: socket.socket | None = None  # a duplicate of the response's socket, to shut it down

    # ---- from any thread ----------------------------------------------------------------------------------

    def abandon(self) -> None:
        """End the download soon (the file is removed): at once while the body streams, else within the timeouts."""
        self._stop("abandoned")

    def _stop(self, reason: str) -> None:
        with self._lock:
            if self._stopped is None:
                self._stopped = reason
            sock = self._socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    # ---- the download's own thread --------------------------------------------------------------------------

    def run(self, on_progress: Progress | None = None, on_target: Target | None = None) -> DownloadOutcome:
        """Download; `on_target(name)` is called (in this thread, before the body is written) with the name the
        file will have, so the caller can record it first."""
        request = self.request
        timer = threading.Timer(request.deadline, self._stop, args=("deadline",))
        timer.daemon = True
        timer.start()
        session = requests.Session()
        # Every connection's socket is watched from its connect on, so that `abandon` also ends a wait for a
        # server that never answers (the read timeout would hold a stop for up to 30 s).
        adapter = _WatchingAdapter(self._watch_raw)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers["User-Agent"] = f"JobTray/{__version__}"
        session.verify = True
        try:
            path, size = self._run(session, on_progress, on_target)
        except _Failed as exc:
            log.info("result of %s not saved: %s", request.job_id, exc)
            return DownloadOutcome(
                request.row_id,
                request.account,
                request.job_id,
                error=str(exc),
                too_large=exc.too_large,
                retry=exc.retry,
                stopped=exc.stopped,
            )
        finally:
            timer.cancel()
            session.close()
            self._forget_socket()
        log.info("result of %s saved as %s (%d bytes)", request.job_id, path, size)
        return DownloadOutcome(request.row_id, request.account, request.job_id, path=str(path), size=size)

    def _stop_reason(self) -> str | None:
        with self._lock:
            return self._stopped

    def _stopped_failure(self, reason: str) -> _Failed:
        if reason == "deadline":
            return _Failed(f"the download did not complete within {self.request.deadline:g} s", retry=True)
        return _Failed("the download was stopped", stopped=True)

    def _run(
        self, session: requests.Session, on_progress: Progress | None, on_target: Target | None
    ) -> tuple[Path, int]:
        request = self.request
        folder = Path(request.folder).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _Failed(f"cannot create the folder {folder}: {exc.strerror or exc}") from exc
        response, url = self._open(session)
        with response:
            total = _declared_length(response)
            if total is not None and total > request.max_bytes:
                raise _Failed(
                    f"the result is {_size(total)}, more than the {_size(request.max_bytes)} cap; it stays a link",
                    too_large=True,
                )
            self._check_space(folder, total or 0)
            if request.target_name:
                name = request.target_name
                part, handle = _create_named_part(folder, name)
                chosen = name
            else:
                name = result_file_name(response.headers.get("Content-Disposition"), url, fallback=request.job_id)
                part, handle, chosen = _create_part(folder, name)
            try:
                with handle:
                    if on_target is not None:
                        on_target(chosen)
                    size = self._stream(response, handle, folder, total, on_progress)
                    handle.flush()
                    os.fsync(handle.fileno())
                final = _publish(part, folder, chosen)
            except BaseException:
                with contextlib.suppress(OSError):
                    part.unlink()
                raise
        return final, size

    def _open(self, session: requests.Session) -> tuple[requests.Response, str]:
        """The response whose body is the result, after at most MAX_REDIRECTS redirects (followed without
        credentials, never to anything but http(s), never from https down to http)."""
        request = self.request
        url = request.url
        headers = request.headers_for(url)
        for _hop in range(MAX_REDIRECTS + 1):
            if not is_openable_link(url):
                raise _Failed("the result link is not an http or https link")
            reason = self._stop_reason()
            if reason is not None:
                raise self._stopped_failure(reason)
            host = urlsplit(url).netloc
            try:
                response = session.get(
                    url, headers=headers, stream=True, allow_redirects=False, timeout=request.timeout
                )
            except (requests.exceptions.RequestException, OSError, ValueError) as exc:
                reason = self._stop_reason()
                if reason is not None:
                    raise self._stopped_failure(reason) from exc
                raise _Failed(describe_failure(exc, host), retry=True) from exc
            self._watch_socket(response)
            if response.status_code in _REDIRECTS and response.headers.get("Location"):
                target = urljoin(url, response.headers["Location"])
                response.close()
                if url.lower().startswith("https:") and not target.lower().startswith("https:"):
                    raise _Failed("the result link redirected from https to plain http; not followed")
                url, headers = target, {}  # credentials never travel along a redirect
                continue
            if response.status_code != 200:
                response.close()
                transient = response.status_code >= 500 or response.status_code in (408, 429)
                raise _Failed(_status_message(response.status_code, host), retry=transient)
            return response, url
        raise _Failed(f"the result link redirected more than {MAX_REDIRECTS} times")

    def _watch_socket(self, response: requests.Response) -> None:
        """Keep a duplicate of the socket the body arrives on, so `abandon` and the deadline can shut it down
        from another thread (the request's own socket object is never touched there)."""
        connection = getattr(response.raw, "connection", None)
        self._watch_raw(getattr(connection, "sock", None))

    def _watch_raw(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        try:
            duplicate = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except (OSError, ValueError):
            return
        self._forget_socket()
        with self._lock:
            self._socket = duplicate
            stopped = self._stopped is not None
        if stopped:
            with contextlib.suppress(OSError):
                duplicate.shutdown(socket.SHUT_RDWR)

    def _forget_socket(self) -> None:
        with self._lock:
            sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()

    def _check_space(self, folder: Path, needed: int) -> None:
        try:
            free = self._free_space(folder)
        except OSError:
            return  # cannot tell: the writes will say
        if free - needed < self.request.reserve_bytes:
            raise _Failed(
                f"not enough free space in {folder} ({_size(free)} free; the result needs {_size(needed)} and "
                f"{_size(self.request.reserve_bytes)} is kept free)",
                too_large=needed > 0,
            )

    def _stream(
        self,
        response: requests.Response,
        handle: IO[bytes],
        folder: Path,
        total: int | None,
        on_progress: Progress | None,
    ) -> int:
        request = self.request
        host = urlsplit(response.url or request.url).netloc
        size = 0
        since_check = 0
        told = self._clock() - PROGRESS_SECONDS  # the first chunk is told at once: a stalled host shows how far
        try:
            for chunk in response.iter_content(chunk_size=CHUNK_BYTES):
                reason = self._stop_reason()
                if reason is not None:
                    raise self._stopped_failure(reason)
                size += len(chunk)
                if size > request.max_bytes:
                    raise _Failed(
                        f"the result is larger than the {_size(request.max_bytes)} cap; it stays a link", True
                    )
                try:
                    handle.write(chunk)
                except OSError as exc:
                    raise _Failed(_write_failure(exc, folder)) from exc
                since_check += len(chunk)
                if since_check >= SPACE_CHECK_BYTES:
                    since_check = 0
                    self._check_space(folder, max(0, (total or 0) - size))
                now = self._clock()
                if on_progress is not None and now - told >= PROGRESS_SECONDS:
                    told = now
                    on_progress(size, total)
        except (requests.exceptions.RequestException, OSError, ValueError) as exc:
            reason = self._stop_reason()
            if reason is not None:
                raise self._stopped_failure(reason) from exc
            raise _Failed(f"{describe_failure(exc, host)}; the partial file was removed", retry=True) from exc
        reason = self._stop_reason()
        if reason is not None:  # a shut-down socket can look like a clean end of the body
            raise self._stopped_failure(reason)
        if total is not None and size != total:
            raise _Failed(
                f"{host} closed the connection before the result was complete; the partial file was removed",
                retry=True,
            )
        if on_progress is not None:
            on_progress(size, total)
        return size


class _WatchingAdapter(requests.adapters.HTTPAdapter):
    """Tells `on_socket` about each connection's socket as soon as it is connected (before any answer)."""

    def __init__(self, on_socket: Callable[[socket.socket | None], None]) -> None:
        self._on_socket = on_socket
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        on_socket = self._on_socket
        pools: dict[str, Any] = {}
        for scheme, pool_cls in self.poolmanager.pool_classes_by_scheme.items():
            base = pool_cls.ConnectionCls

            def connect(conn: Any, _base: Any = base) -> None:
                _base.connect(conn)
                on_socket(getattr(conn, "sock", None))

            watched = type(f"Watched{base.__name__}", (base,), {"connect": connect})
            pools[scheme] = type(f"Watched{pool_cls.__name__}", (pool_cls,), {"ConnectionCls": watched})
        self.poolmanager.pool_classes_by_scheme = pools


def _declared_length(response: requests.Response) -> int | None:
    if response.headers.get("Content-Encoding", "identity").lower() not in ("identity", ""):
        return None  # the length on the wire, not of the file
    text = response.headers.get("Content-Length", "")
    return int(text) if text.isdigit() and len(text) <= 20 else None


def _create_named_part(folder: Path, name: str) -> tuple[Path, IO[bytes]]:
    """The `.part` file of a name recorded by an earlier attempt; its stale copy (a crash's) is replaced."""
    part = folder / part_name(name)
    try:
        return part, part.open("wb")
    except OSError as exc:
        raise _Failed(_write_failure(exc, folder)) from exc


def _create_part(folder: Path, name: str) -> tuple[Path, IO[bytes], str]:
    """A new `.part` file for the first free numbered name (exclusive: two downloads never share one), and that
    name."""
    for n in range(1, _MAX_NUMBERED + 1):
        candidate = numbered(name, n)
        if (folder / candidate).exists():
            continue
        part = folder / part_name(candidate)
        try:
            handle = part.open("xb")
        except FileExistsError:
            continue
        except OSError as exc:
            raise _Failed(_write_failure(exc, folder)) from exc
        return part, handle, candidate
    raise _Failed(f"{folder} already holds {_MAX_NUMBERED} files named like {name}")


def _publish(part: Path, folder: Path, name: str) -> Path:
    """Give the complete `.part` file its name, never replacing a file that appeared meanwhile."""
    for n in range(1, _MAX_NUMBERED + 1):
        target = folder / numbered(name, n)
        try:
            os.link(part, target)  # fails if the name is taken, unlike a rename
        except FileExistsError:
            continue
        except OSError:
            if target.exists():
                continue
            os.replace(part, target)  # a file system without hard links
            return target
        part.unlink()
        return target
    raise _Failed(f"{folder} already holds {_MAX_NUMBERED} files named like {name}")


def _write_failure(exc: OSError, folder: Path) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk holding {folder} is full; the partial file was removed"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write in {folder}: {exc.strerror}"
    return f"cannot write the result in {folder}: {exc.strerror or exc}"


def _status_message(status: int, host: str) -> str:
    if status in (401, 403):
        return f"{host} refused the result link (HTTP {status}): it has probably expired"
    if status in (404, 410):
        return f"{host} no longer has the result (HTTP {status}): the link has probably expired"
    return f"{host} answered HTTP {status} to the result link"


def _size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


def download(request: DownloadRequest, on_progress: Progress | None = None, **options: object) -> DownloadOutcome:
    """Run one download in this thread; see `Download`."""
    return Download(request, **options).run(on_progress)  # type: ignore[arg-type]


def shown_error(outcome: DownloadOutcome) -> str:
    return short_text(outcome.error or "", 300)


def request_for(
    *,
    row_id: int,
    account: str,
    job_id: str,
    url: str,
    folder: str,
    provider: str,
    config: ProviderConfig | None,
    max_bytes: int,
    extra: Mapping[str, object] | None = None,
) -> DownloadRequest:
    """The download of a job's result, with the account's credentials for its own origin only."""
    credentials = credentials_for(provider, config) if config is not None else ()
    base = config.base_url if config is not None else None
    return DownloadRequest(
        row_id=row_id,
        account=account,
        job_id=job_id,
        url=url,
        folder=folder,
        max_bytes=max_bytes,
        credentials=credentials,
        credential_origin=base,
        **(extra or {}),  # type: ignore[arg-type]
    )
