"""Every keyring call of the tray on one thread of its own, so that a locked keyring (its unlock prompt, a slow
Secret Service) never freezes the window.

keyring backends are not thread-safe, so the calls are never spread over threads: one daemon thread takes them
one at a time, in order. A daemon thread, because a call stuck in an unlock prompt must not keep the process
alive at quit. The GUI thread hands it a call with `submit(key, call)` and gets a frozen `KeyringReply` back
through the `replied` signal, delivered on the GUI thread; it never waits on the keyring. A worker thread of
the app (a forward's send, issue 21) that needs a keyring value hands its call over with `call_from_thread(call)`
and waits on the `Future` it gets: the call still runs here, in order with the GUI's.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

log = logging.getLogger(__name__)

THREAD_NAME = "jobtray-keyring"


@dataclass(frozen=True, slots=True)
class KeyringReply:
    """What one call gave: `value`, or the exception it raised (`error`)."""

    key: Hashable
    value: Any = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class _Waited:
    """A call from another worker thread: its answer goes into `future`, not through the GUI thread."""

    call: Callable[[], Any]
    future: Future[Any]


class _Relay(QObject):
    """Lives on the GUI thread; emitted from the keyring thread, its queued connection carries a reply over."""

    reply = Signal(object)


class KeyringThread(QObject):
    """One thread for every keyring call (see the module docstring).

    Signals:
        replied(KeyringReply): a call ended, on the GUI thread.
        waiting(bool): True when a call has taken longer than `slow_after` seconds (a locked keyring asking to be
            unlocked): the app says "waiting for the keyring"; False once the calls are done.
    """

    replied = Signal(object)
    waiting = Signal(bool)

    def __init__(self, parent: QObject | None = None, slow_after: float = 0.5) -> None:
        super().__init__(parent)
        self._calls: queue.SimpleQueue[tuple[Hashable, Callable[[], Any]] | _Waited | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()  # the thread may be started by the GUI thread or a worker thread
        self._relay = _Relay()
        self._relay.reply.connect(self._on_reply, Qt.ConnectionType.QueuedConnection)
        self._in_flight: set[Hashable] = set()
        self._closed = False
        self._slow_after = slow_after
        self._said_waiting = False
        self._slow_check = QTimer(self)
        self._slow_check.setSingleShot(True)
        self._slow_check.timeout.connect(self._check_slow)

    def submit(self, key: Hashable, call: Callable[[], Any]) -> bool:
        """Run `call` on the keyring thread; its reply comes with `key`. False (nothing queued) once closed, or
        when a call with this key is already waiting: asking twice gives one answer."""
        if self._closed or key in self._in_flight:
            return False
        self._start()
        self._in_flight.add(key)
        self._calls.put((key, call))
        if not self._slow_check.isActive():
            self._slow_check.start(int(self._slow_after * 1000))
        return True

    def call_from_thread(self, call: Callable[[], Any]) -> Future[Any]:
        """From any thread but the GUI's: run `call` on the keyring thread (after the calls queued before it) and
        answer through the returned Future (its value, or the exception it raised). Never wait on it from the GUI
        thread. Once closed, the Future fails at once."""
        future: Future[Any] = Future()
        if self._closed:
            future.set_exception(RuntimeError("the keyring thread is closed (JobTray is quitting)"))
            return future
        self._start()
        self._calls.put(_Waited(call, future))
        return future

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
                self._thread.start()

    def busy(self, key: Hashable | None = None) -> bool:
        """Whether a call (with `key`, or any) has not replied yet."""
        return bool(self._in_flight) if key is None else key in self._in_flight

    def close(self, timeout: float = 0.0) -> bool:
        """No more calls; wait at most `timeout` for the thread (True if it ended). A call stuck in the keyring is
        left behind: the thread is a daemon."""
        self._closed = True
        self._slow_check.stop()
        if self._thread is None:
            return True
        self._calls.put(None)
        self._thread.join(max(0.0, timeout))
        return not self._thread.is_alive()

    # ---- the keyring thread ------------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            item = self._calls.get()
            if item is None:
                return
            if isinstance(item, _Waited):
                if item.future.set_running_or_notify_cancel():
                    try:
                        item.future.set_result(item.call())
                    except Exception as exc:  # the waiting thread decides
                        item.future.set_exception(exc)
                continue
            key, call = item
            try:
                reply = KeyringReply(key, value=call())
            except Exception as exc:  # the caller decides; a bug here must not end the thread
                reply = KeyringReply(key, error=exc)
            try:
                self._relay.reply.emit(reply)
            except RuntimeError:  # the app is gone (quit while a call was stuck)
                return

    # ---- the GUI thread ----------------------------------------------------------------------------------------

    def _on_reply(self, reply: KeyringReply) -> None:
        self._in_flight.discard(reply.key)
        if not self._in_flight:
            self._slow_check.stop()
            if self._said_waiting:
                self._said_waiting = False
                self.waiting.emit(False)
        elif not self._slow_check.isActive() and not self._said_waiting:
            self._slow_check.start(int(self._slow_after * 1000))
        if not self._closed:
            self.replied.emit(reply)

    def _check_slow(self) -> None:
        if self._in_flight and not self._said_waiting:
            self._said_waiting = True
            self.waiting.emit(True)
