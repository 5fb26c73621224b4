"""The single-instance socket over QtNetwork's QLocalServer (a named pipe): only where Python has no AF_UNIX
(Windows). Everywhere else `app/single_instance.py` does the same with a plain Unix socket, without loading
QtNetwork (~3.5 MB). The behaviour and the protocol are the same; `run.py` chooses.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QDir, QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from desktop_app.app.single_instance import WatchHandler, first_under_lock, reply_for
from desktop_app.core.handoff import (
    ACTIVATE,
    MAX_LINE_BYTES,
    Activate,
    HandOffError,
    WatchRequest,
    parse_request,
)

__all__ = ["QtSingleInstance"]

log = logging.getLogger(__name__)

MESSAGE = ACTIVATE
CONNECT_TIMEOUT_MS = 1000
MAX_MESSAGE_BYTES = MAX_LINE_BYTES


class QtSingleInstance(QObject):
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
        self._watch_handler: WatchHandler | None = None

    def try_become_primary(self) -> bool:
        """True: this is the first instance and now listens. False: another one runs and was asked to show."""
        if self._server is not None:
            return True
        return first_under_lock(self._lock_path(), self._activate_running, self._listen)

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
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE_BYTES:  # not one of ours
                self._drop(client)
            else:
                self._clients[client] = data  # the rest is on its way
            return
        line = data.split(b"\n", 1)[0] + b"\n"
        try:
            request = parse_request(line)
        except HandOffError as exc:
            log.warning("ignored a malformed request on the single-instance socket: %s", exc)
            self._drop(client)
            return
        if isinstance(request, Activate):
            self.activation_requested.emit()
            self._drop(client)
            return
        self._answer(client, request)

    def _answer(self, client: QLocalSocket, request: WatchRequest) -> None:
        reply = reply_for(request, self._watch_handler)
        self._clients.pop(client, None)
        if client.state() == QLocalSocket.LocalSocketState.ConnectedState:
            client.write(reply)
            client.flush()
            client.disconnectFromServer()
        client.deleteLater()

    def set_watch_handler(self, handler: WatchHandler | None) -> None:
        """Who takes jobs handed over by `jobtray add` and `jobtray open` (the controller); None refuses them."""
        self._watch_handler = handler

    def _read_and_drop(self, client: QLocalSocket) -> None:
        self._read(client)
        self._drop(client)

    def _drop(self, client: QLocalSocket) -> None:
        if self._clients.pop(client, None) is not None:
            client.abort()
            client.deleteLater()
