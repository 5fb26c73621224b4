"""One tray app per user and data folder: a second start asks the first to show its window, then exits.

The first instance listens on a QLocalServer (a Unix socket; a named pipe on Windows); a later one connects, writes
`activate`, and `try_become_primary` returns False. A socket left behind by a crashed instance refuses
connections: it is removed (`QLocalServer.removeServer`) and taken over. A QLockFile around "connect, else
listen" keeps two instances that start at the same moment from both deciding they are first.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QDir, QLockFile, QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

MESSAGE = b"activate\n"
CONNECT_TIMEOUT_MS = 1000
LOCK_TIMEOUT_MS = 3000
MAX_MESSAGE_BYTES = 64


def instance_key(data_folder: Path) -> str:
    """The server key for the app running on `data_folder`.

    Two things go into it:
    - the data folder (resolved, hashed): `jobtray demo` runs on a fresh temporary folder, so a demo and the
      real app, or two demos, never take each other for "already running"; two apps on one database do.
    - the user: where sockets share a folder (/tmp, or the Windows pipe namespace) users must not collide.

    On Linux the socket goes into $XDG_RUNTIME_DIR (private to the user, 0700) as a full path, so no other user
    can squat the name first. Elsewhere it is a short name: QLocalServer puts it in the temp folder (per user on
    macOS) or the pipe namespace (Windows). The hash keeps it well under the 104-byte socket path limit.
    """
    try:
        folder = str(data_folder.expanduser().resolve())
    except OSError:
        folder = str(data_folder)
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this UID (containers): the UID says the same
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    digest = hashlib.sha256(f"{user}\0{folder}".encode()).hexdigest()[:16]
    safe_user = "".join(c for c in user if c.isalnum())[:16] or "user"
    name = f"jobtray-{safe_user}-{digest}"
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if sys.platform.startswith("linux") and runtime and Path(runtime).is_dir():
        return str(Path(runtime) / name)
    return name


class SingleInstance(QObject):
    """Decides whether this process is the first app for `key`, and hears later ones.

    Signals:
        activation_requested(): another start of the app asked this one to show itself.
    """

    activation_requested = Signal()

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self._server: QLocalServer | None = None
        self._clients: dict[QLocalSocket, bytes] = {}  # connected clients and what they sent so far

    def try_become_primary(self) -> bool:
        """True: this is the first instance and now listens. False: another one runs and was asked to show."""
        if self._server is not None:
            return True
        lock = QLockFile(self._lock_path())
        lock.setStaleLockTime(0)  # stale only when its process is gone, however young
        locked = lock.tryLock(LOCK_TIMEOUT_MS)
        if not locked:
            log.warning("single-instance lock %s is busy; checking anyway", lock.fileName())
        try:
            if self._activate_running():
                return False
            return self._listen()
        finally:
            if locked:
                lock.unlock()

    def close(self) -> None:
        """Stop listening and remove the socket (a later start becomes primary)."""
        for client in list(self._clients):
            self._drop(client)
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None

    # ---- internals -----------------------------------------------------------------------------------------

    def _lock_path(self) -> str:
        if os.path.isabs(self.key):
            return self.key + ".lock"
        return str(Path(QDir.tempPath()) / f"{self.key}.lock")

    def _activate_running(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.key)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            # ServerNotFound: nobody here. ConnectionRefused: a socket file from a crashed instance.
            log.debug("no running instance at %s: %s", self.key, socket.errorString())
            socket.abort()
            return False
        socket.write(MESSAGE)
        socket.flush()
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            socket.waitForDisconnected(CONNECT_TIMEOUT_MS)
        log.info("JobTray already runs for this data folder; asked it to show its window")
        return True

    def _listen(self) -> bool:
        server = QLocalServer(self)
        # Only this user may connect (the socket file is created 0700 on Unix; an ACL on Windows).
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.key):
            # A socket left by a crash: we hold the lock and nobody answered on it, so it is ours to remove.
            QLocalServer.removeServer(self.key)
            if not server.listen(self.key):
                # Run anyway: a second tray icon is a smaller problem than no app at all.
                log.warning("cannot listen on %s (%s); single-instance check is off", self.key, server.errorString())
                server.deleteLater()
                return True
        server.newConnection.connect(self._on_new_connection)
        self._server = server
        log.debug("single-instance server listening on %s", server.fullServerName())
        return True

    @Slot()
    def _on_new_connection(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            client = server.nextPendingConnection()
            if client is None:
                break
            self._clients[client] = b""
            client.readyRead.connect(lambda c=client: self._read(c))
            # A client that wrote and left at once: what it wrote is still readable here.
            client.disconnected.connect(lambda c=client: self._read_and_drop(c))
            if client.bytesAvailable():  # the message may be here before readyRead was connected
                self._read(client)

    def _read(self, client: QLocalSocket) -> None:
        if client not in self._clients:
            return
        data = self._clients[client] + bytes(client.readAll().data())
        if MESSAGE in data:
            self.activation_requested.emit()
            self._drop(client)
        elif len(data) > MAX_MESSAGE_BYTES:  # not one of ours
            self._drop(client)
        else:
            self._clients[client] = data  # the rest is on its way

    def _read_and_drop(self, client: QLocalSocket) -> None:
        self._read(client)
        self._drop(client)

    def _drop(self, client: QLocalSocket) -> None:
        if self._clients.pop(client, None) is not None:
            client.abort()
            client.deleteLater()
