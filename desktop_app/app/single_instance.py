"""One tray app per user and data folder: a second start asks the first to show its window, then exits.

The first instance listens on a Unix socket; a later one connects, writes `activate`, and `try_become_primary`
returns False. `jobtray add` and `jobtray open` hand jobs over on the same socket (`watch <json>`, answered
`ok`/`refused`: the protocol is `core/handoff.py`, the Qt-free client `system/handoff.py`). A socket left behind by
a crashed instance refuses connections: it is removed and taken over. A QLockFile around "connect, else listen"
keeps two instances that start at the same moment from both deciding they are first.

The socket is the standard library's (AF_UNIX), watched by QSocketNotifiers of QtCore: QtNetwork's QLocalServer did
the same and cost the tray ~3.5 MB of resident libraries (issue 19). The path is `instance_key`'s where it is a full
path (Linux: the user's private runtime folder), else the name in Qt's temp folder, where QLocalServer put it.
Without AF_UNIX (Windows) `app/single_instance_qt.py` keeps QLocalServer (a named pipe); `run.py` chooses.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QDir, QLockFile, QObject, QSocketNotifier, QTimer, Signal

from desktop_app.core.handoff import (
    ACTIVATE,
    MAX_LINE_BYTES,
    Activate,
    HandOffError,
    WatchRequest,
    encode_reply,
    parse_request,
)
from desktop_app.system.handoff import instance_key, unix_address

__all__ = ["SingleInstance", "WatchHandler", "instance_key", "reply_for", "unix_sockets"]

log = logging.getLogger(__name__)

MESSAGE = ACTIVATE
CONNECT_TIMEOUT_S = 1.0
REPLY_TIMEOUT_S = 1.0
LOCK_TIMEOUT_MS = 3000
MAX_MESSAGE_BYTES = MAX_LINE_BYTES
BACKLOG = 16
ACCEPT_RETRY_MS = 1000
_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})

# Takes a job handed over by `jobtray add`/`open`; returns (created, None) or (None, the refusal shown to the CLI).
WatchHandler = Callable[[WatchRequest], tuple[bool | None, str | None]]


def first_under_lock(lock_path: str, activate_running: Callable[[], bool], listen: Callable[[], bool]) -> bool:
    """ "Ask a running instance to show, else listen" under a QLockFile, so that two instances starting at the same
    moment do not both decide they are first (both kinds of socket: this module's and `single_instance_qt`'s)."""
    lock = QLockFile(lock_path)
    lock.setStaleLockTime(0)  # stale only when its process is gone, however young
    locked = lock.tryLock(LOCK_TIMEOUT_MS)
    if not locked:
        log.warning("single-instance lock %s is busy; checking anyway", lock.fileName())
    try:
        if activate_running():
            return False
        return listen()
    finally:
        if locked:
            lock.unlock()


def unix_sockets() -> bool:
    """Whether this Python has AF_UNIX (not on Windows: there `single_instance_qt` uses a named pipe)."""
    return hasattr(socket, "AF_UNIX")


def socket_path(key: str) -> str:
    """Where the socket of `key` lives: the key itself when it is a full path, else in Qt's temp folder (as
    QLocalServer placed a short name)."""
    return key if os.path.isabs(key) else str(Path(QDir.tempPath()) / key)


def reply_for(request: WatchRequest, handler: WatchHandler | None) -> bytes:
    """The reply line to a hand-off (shared with the QLocalServer fallback)."""
    if handler is None:
        return encode_reply(None, "this JobTray does not take jobs over its socket")
    try:
        created, refusal = handler(request)
    except Exception:  # a bug in the handler must not kill the socket server
        log.exception("handing over %s failed", request.job_id)
        created, refusal = None, "JobTray hit an internal error; see its log"
    return encode_reply(created, refusal)


@dataclass(eq=False)
class _Client:
    sock: socket.socket
    notifier: QSocketNotifier
    deadline: QTimer
    data: bytes = field(default=b"")


class SingleInstance(QObject):
    """Decides whether this process is the first app for `key`, and hears later ones.

    Signals:
        activation_requested(): another start of the app asked this one to show itself.
    """

    activation_requested = Signal()

    # A connection that has not sent its line by then is closed: a silent or trickling one held a descriptor and a
    # notifier for the process's life (enough of them: accept() failing with EMFILE on every turn). The CLI's own
    # deadline for a whole hand-off is 2 s (system/handoff.py).
    client_deadline_ms = 5000

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self._path = socket_path(key)
        self._server: socket.socket | None = None
        self._server_notifier: QSocketNotifier | None = None
        self._bound: tuple[int, int] | None = None  # (device, inode) of the socket file we made
        self._clients: dict[int, _Client] = {}  # by file descriptor
        self._watch_handler: WatchHandler | None = None

    def try_become_primary(self) -> bool:
        """True: this is the first instance and now listens. False: another one runs and was asked to show (or was
        too busy to hear it: never a second tray beside it)."""
        if self._server is not None:
            return True
        return first_under_lock(self._path + ".lock", self._activate_running, self._listen)

    def set_watch_handler(self, handler: WatchHandler | None) -> None:
        """Who takes jobs handed over by `jobtray add` and `jobtray open` (the controller); None refuses them."""
        self._watch_handler = handler

    def close(self) -> None:
        """Stop listening and remove the socket (a later start becomes primary)."""
        for fd in list(self._clients):
            self._drop(fd)
        if self._server_notifier is not None:
            self._server_notifier.setEnabled(False)  # before its descriptor closes
            self._server_notifier.deleteLater()
            self._server_notifier = None
        if self._server is not None:
            self._server.close()
            self._server = None
            with contextlib.suppress(OSError):  # only our own file: a later instance may have made its own
                info = os.stat(self._path)
                if (info.st_dev, info.st_ino) == self._bound:
                    os.unlink(self._path)
            self._bound = None

    # ---- internals -----------------------------------------------------------------------------------------

    def _foreign(self) -> bool:
        """Whether another user made the file at our path: without XDG_RUNTIME_DIR it is in the shared temp folder
        under a predictable name. Such a socket is never asked to show (its owner would end our start) nor removed."""
        try:
            return hasattr(os, "getuid") and os.lstat(self._path).st_uid != os.getuid()
        except OSError:
            return False

    def _activate_running(self) -> bool:
        if self._foreign():
            log.warning("%s belongs to another user; not asking it to show", self._path)
            return False
        deadline = time.monotonic() + CONNECT_TIMEOUT_S
        while True:
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(CONNECT_TIMEOUT_S)
                    # Nobody here: FileNotFoundError. A socket file from a crashed instance: ConnectionRefusedError.
                    with unix_address(self._path) as address:
                        sock.connect(address)
                    sock.sendall(MESSAGE)
            except (BlockingIOError, TimeoutError) as exc:
                # Its backlog is full: an instance runs and has not accepted yet (busy starting, a burst of
                # hand-offs). Never a crash's socket: taking it over would leave two trays, the first unreachable.
                if time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                log.warning(
                    "JobTray runs for this data folder but is too busy to answer (%s); not starting another", exc
                )
                return True
            except OSError as exc:
                log.debug("no running instance at %s: %s", self._path, exc)
                return False
            log.info("JobTray already runs for this data folder; asked it to show its window")
            return True

    def _listen(self) -> bool:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._bind(server)
            server.listen(BACKLOG)
            server.setblocking(False)
        except OSError as exc:
            # Run anyway: a second tray icon is a smaller problem than no app at all.
            log.warning("cannot listen on %s (%s); single-instance check is off", self._path, exc)
            server.close()
            return True
        info = os.stat(self._path)
        self._bound = (info.st_dev, info.st_ino)
        self._server = server
        notifier = QSocketNotifier(server.fileno(), QSocketNotifier.Type.Read, self)
        notifier.activated.connect(self._accept)
        self._server_notifier = notifier
        log.debug("single-instance server listening on %s", self._path)
        return True

    def _bind(self, server: socket.socket) -> None:
        # The file bind() makes takes the socket's mode (Linux): only this user's from its first moment, whatever the
        # umask; the chmod below is for systems that ignore it.
        with contextlib.suppress(OSError):
            os.fchmod(server.fileno(), 0o600)
        with unix_address(self._path) as address:  # a path too long for bind() is reached through its folder
            try:
                server.bind(address)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE or not stat.S_ISSOCK(os.lstat(self._path).st_mode) or self._foreign():
                    raise
                # A socket left by a crash: we hold the lock and nobody answered on it, so it is ours to remove.
                os.unlink(self._path)
                server.bind(address)
        # Only this user may connect (QLocalServer's UserAccessOption); the runtime folder is private already.
        os.chmod(self._path, 0o600)

    def _accept(self) -> None:
        server = self._server
        while server is not None:
            try:
                sock, _address = server.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.warning("the single-instance socket failed to accept a connection: %s", exc)
                if exc.errno in _OUT_OF_RESOURCES and self._server_notifier is not None:
                    # The connection stays queued and the socket readable: the notifier would fire on every turn
                    # of the loop (the GUI thread at 100 % CPU). Try again once something may have been freed.
                    self._server_notifier.setEnabled(False)
                    QTimer.singleShot(ACCEPT_RETRY_MS, self, self._resume_accepting)
                return
            sock.setblocking(False)
            fd = sock.fileno()
            notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            notifier.activated.connect(lambda *_args, fd=fd: self._read(fd))
            deadline = QTimer(self)
            deadline.setSingleShot(True)
            deadline.timeout.connect(lambda fd=fd: self._give_up(fd))
            deadline.start(self.client_deadline_ms)
            self._clients[fd] = _Client(sock, notifier, deadline)
            self._read(fd)  # what it wrote may be here already

    def _resume_accepting(self) -> None:
        if self._server_notifier is not None:
            self._server_notifier.setEnabled(True)

    def _read(self, fd: int) -> None:
        client = self._clients.get(fd)
        if client is None:
            return
        try:
            chunk = client.sock.recv(MAX_MESSAGE_BYTES + 1)
        except (BlockingIOError, InterruptedError):
            return  # nothing yet
        except OSError:
            self._drop(fd)
            return
        client.data += chunk
        if b"\n" not in client.data:
            if not chunk or len(client.data) > MAX_MESSAGE_BYTES:  # it left without a line, or it is not ours
                self._drop(fd)
            return
        # One request per connection: no more reads from it, whatever happens below.
        client.notifier.setEnabled(False)
        line = client.data.split(b"\n", 1)[0] + b"\n"
        try:
            request = parse_request(line)
        except HandOffError as exc:
            log.warning("ignored a malformed request on the single-instance socket: %s", exc)
            self._drop(fd)
            return
        if isinstance(request, Activate):
            self._drop(fd)
            self.activation_requested.emit()
            return
        reply = reply_for(request, self._watch_handler)
        if fd in self._clients:
            try:
                client.sock.settimeout(REPLY_TIMEOUT_S)  # one short line: the buffer takes it at once
                client.sock.sendall(reply)
            except OSError as exc:  # the client gave up waiting
                log.debug("could not answer a hand-off: %s", exc)
            self._drop(fd)

    def _give_up(self, fd: int) -> None:
        if fd in self._clients:
            log.debug("closed a single-instance connection that sent no request in time")
            self._drop(fd)

    def _drop(self, fd: int) -> None:
        client = self._clients.pop(fd, None)
        if client is None:
            return
        client.deadline.stop()
        client.deadline.deleteLater()
        client.notifier.setEnabled(False)  # before its descriptor closes
        client.notifier.deleteLater()
        client.sock.close()
