"""`TrayForwarding`: forwarding from the tray process (issue 21): the 'forward' rows of its endings, run by its
outbox runner, and the Settings dialog's Forwarding page (add, remove, Test).

The rows are planned with each ending (`plan`, for the recorder's plan_for) and run by the tray's
`engine.outbox.OutboxRunner` with `engine.forwarding.forward_factory` (`register`); a target's failure is told
once, on the main thread (the runner's threads post it here).

A keyring target's URL is never read, stored or deleted on the main thread (a locked keyring waits for its unlock
prompt): every such call runs on the tray's keyring thread (`workers.keyring_worker.KeyringThread`, the one
`app/keys.py` reads the account keys with: keyring backends are not thread-safe), awaited by the forward row's own
thread (`engine.forwarding._ReadThenSend`) or the Test's, and answered to the page by signals for Add.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from desktop_app.core.errors import JobTrayError
from desktop_app.core.forwarding import ForwardTarget, UrlSource, trial_message
from desktop_app.core.model import Secret, StatusChange
from desktop_app.core.rules import Presence
from desktop_app.core.settings import AccountSettings, GlobalSettings
from desktop_app.store.database import Store
from desktop_app.workers.keyring_worker import KeyringReply, KeyringThread

if TYPE_CHECKING:
    # engine.forwarding and engine.outbox bring requests (~20 MB): an idle tray loads neither (imported on use).
    from desktop_app.engine.outbox import OutboxRunner
    from desktop_app.store.outbox import OutboxAction

DEFAULT_DEADLINE = 15.0  # engine.forwarding.DEFAULT_DEADLINE, without importing it

log = logging.getLogger(__name__)


class TrayForwarding(QObject):
    """Signals:
    problem(str): a forwarding problem, told once (posted from runner threads, delivered on the main thread).
    tested(str, object): a Test's answer: (target name, None when delivered, else why not).
    added(str, object): an Add of a keyring target ended: (target name, None when stored, else why not).
    presence_read(object): the desktop's `core.rules.Presence`, read off the main thread (`check_presence`).
    """

    problem = Signal(str)
    tested = Signal(str, object)
    added = Signal(str, object)
    presence_read = Signal(object)

    def __init__(
        self,
        store: Store,
        on_problem: Callable[[str], None],
        environ: Mapping[str, str] | None = None,
        parent: QObject | None = None,
        keyring: KeyringThread | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._environ = environ
        self.problem.connect(on_problem, Qt.ConnectionType.QueuedConnection)
        # The tray's one keyring thread (TrayKeys.calls); a thread of its own only where none is given (tests).
        self._keyring = keyring if keyring is not None else KeyringThread(self)
        self._keyring.replied.connect(self._on_keyring_reply)
        self._adding: dict[str, ForwardTarget] = {}  # keyring targets whose URL is being stored

    def read_url(self, target: ForwardTarget) -> Future[Secret]:
        """The target's URL, from any thread but the main one: a variable's at once, a keyring entry's read on the
        keyring thread (in order with every other keyring call of the tray)."""
        from desktop_app.system.forward_urls import load_url

        if target.url_source is UrlSource.KEYRING:
            return self._keyring.call_from_thread(lambda: load_url(target, self._environ))
        future: Future[Secret] = Future()
        try:
            future.set_result(load_url(target, self._environ))
        except JobTrayError as exc:
            future.set_exception(exc)
        return future

    # ---- the outbox ----------------------------------------------------------------------------------------

    def register(self, runner: OutboxRunner) -> None:
        """The runner runs 'forward' rows from now on."""
        from desktop_app.engine.forwarding import forward_factory

        runner.register(
            "forward", forward_factory(self._store, self._post_problem, self._environ, read_url=self.read_url)
        )

    def plan(self, change: StatusChange, settings: AccountSettings, app: GlobalSettings) -> list[OutboxAction]:
        """The ending's 'forward' rows, for the recorder's plan_for (inside the ending's transaction)."""
        targets = self._store.forwards.all()
        if not targets:
            return []
        from desktop_app.engine.forwarding import plan_forwards

        return plan_forwards(change, settings, targets, app)

    def _post_problem(self, text: str) -> None:
        try:
            self.problem.emit(text)
        except RuntimeError:  # the tray is going away
            log.warning("%s", text)

    def problems(self) -> list[str]:
        """What keeps a target from sending that can be seen now (an unset variable), for the tray menu."""
        env = os.environ if self._environ is None else self._environ
        try:
            targets = self._store.forwards.all()
        except JobTrayError:
            return []
        return [
            f"forward {target.name!r}: environment variable {target.url_env} is not set"
            for target in targets
            if target.url_source is UrlSource.ENV and not env.get(target.url_env or "", "").strip()
        ]

    # ---- the Settings dialog's Forwarding page ---------------------------------------------------------------

    def targets(self) -> list[ForwardTarget]:
        return self._store.forwards.all()

    def add(self, target: ForwardTarget, url: Secret | None) -> None:
        """Store a new target; JobTrayError with the reason when refused now. A keyring target's URL is stored on
        the keyring thread first and the target added when that is done: the answer comes as `added`."""
        if target.url_source is not UrlSource.KEYRING:
            self._store.forwards.add(target)
            return
        if url is None:
            raise JobTrayError("a keyring target needs its URL")
        # Refused before the keyring is touched: a second target of this name would overwrite the first's URL.
        if target.name in self._adding or any(known.name == target.name for known in self._store.forwards.all()):
            raise JobTrayError(f"a forward named {target.name!r} exists already (remove it first)")
        from desktop_app.system.forward_urls import store_url

        if not self._keyring.submit(("forward-store", target.name), lambda: store_url(target.name, url)):
            raise JobTrayError("the keyring is busy with the same request; try again")
        self._adding[target.name] = target

    def remove(self, name: str) -> None:
        from desktop_app.system.forward_urls import delete_url

        target = self._store.forwards.remove(name)
        if target.url_source is UrlSource.KEYRING:
            self._keyring.submit(("forward-delete", name), lambda: delete_url(name))

    def test(self, name: str, deadline: float = DEFAULT_DEADLINE) -> None:
        """Send a test message; the answer comes as `tested(name, error)`. The URL is read and the message sent
        from a thread of its own (a keyring URL through the keyring thread)."""
        from desktop_app.engine.forwarding import deliver

        try:
            target = self._store.forwards.get(name)
        except JobTrayError as exc:
            self.tested.emit(name, str(exc))
            return
        url_future = self.read_url(target)

        def send() -> None:
            try:
                url = url_future.result()
            except JobTrayError as exc:
                error: str | None = str(exc)
            except Exception as exc:  # the keyring thread closed at quit, or a bug: no URL, nothing sent
                error = f"its URL could not be read ({type(exc).__name__})"
            else:
                error = deliver(url, trial_message(), deadline)
            with contextlib.suppress(RuntimeError):  # the tray quit meanwhile
                self.tested.emit(name, error)

        threading.Thread(target=send, name="jobtray-forward-test", daemon=True).start()

    def _on_keyring_reply(self, reply: KeyringReply) -> None:
        kind, name = reply.key if isinstance(reply.key, tuple) else ("", "")
        if kind == "forward-delete" and reply.error is not None:
            log.warning("the keyring entry of forward %r was not deleted (%s)", name, type(reply.error).__name__)
        if kind != "forward-store":
            return
        target = self._adding.pop(str(name), None)
        if target is None:
            return
        if reply.error is not None:
            error = reply.error
            text = str(error) if isinstance(error, JobTrayError) else f"the keyring failed ({type(error).__name__})"
            self.added.emit(target.name, text)
            return
        try:
            self._store.forwards.add(target)
        except (JobTrayError, sqlite3.Error) as exc:
            from desktop_app.system.forward_urls import delete_url

            self._keyring.submit(("forward-delete", target.name), lambda: delete_url(target.name))
            self.added.emit(target.name, str(exc))
            return
        self.added.emit(target.name, None)

    def check_presence(self) -> None:
        """Read the desktop's presence (D-Bus, up to about a second) on a thread of its own; the answer comes as
        `presence_read` on the main thread (the Forwarding page says "checking..." until then)."""

        def read() -> None:
            try:
                presence = self.read_presence()
            except Exception:  # the readers answer UNKNOWN rather than raise; a bug here must not leave "checking"
                log.exception("reading the desktop's presence failed")
                presence = Presence.UNKNOWN
            with contextlib.suppress(RuntimeError):  # the tray quit meanwhile
                self.presence_read.emit(presence)

        threading.Thread(target=read, name="jobtray-presence", daemon=True).start()

    def read_presence(self) -> Presence:
        """The desktop's presence, read now (blocking: never on the main thread). Replaced in tests."""
        from desktop_app.system.presence import read_presence

        return read_presence(self._environ, timeout=0.5)
