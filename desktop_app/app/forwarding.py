"""`TrayForwarding`: forwarding from the tray process (issue 21): the 'forward' rows of its endings, run by its
outbox runner, and the Settings dialog's Forwarding page (add, remove, Test).

The rows are planned with each ending (`plan`, for the recorder's plan_for) and run by the tray's
`engine.outbox.OutboxRunner` with `engine.forwarding.forward_factory` (`register`); a target's failure is told
once, on the main thread (the runner's threads post it here).

Known limit: a keyring target's URL is read on the main thread when its row starts (the account keys have a
keyring thread of their own, `app/keys.py`); a locked keyring's prompt would block the tray that long.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from desktop_app.core.errors import JobTrayError
from desktop_app.core.forwarding import ForwardTarget, UrlSource, trial_message
from desktop_app.core.model import Secret, StatusChange
from desktop_app.core.rules import PRESENCE_UNKNOWN_TEXT, Presence
from desktop_app.core.settings import AccountSettings, GlobalSettings
from desktop_app.store.database import Store

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
    """

    problem = Signal(str)
    tested = Signal(str, object)

    def __init__(
        self,
        store: Store,
        on_problem: Callable[[str], None],
        environ: Mapping[str, str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._environ = environ
        self.problem.connect(on_problem, Qt.ConnectionType.QueuedConnection)

    # ---- the outbox ----------------------------------------------------------------------------------------

    def register(self, runner: OutboxRunner) -> None:
        """The runner runs 'forward' rows from now on."""
        from desktop_app.engine.forwarding import forward_factory

        runner.register("forward", forward_factory(self._store, self._post_problem, self._environ))

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
        """Store a new target (its URL in the keyring); JobTrayError with the reason when refused."""
        from desktop_app.system.forward_urls import store_url

        with self._store.jobs.transaction():
            self._store.forwards.add(target)
            if target.url_source is UrlSource.KEYRING:
                if url is None:
                    raise JobTrayError("a keyring target needs its URL")
                store_url(target.name, url)  # refused: the transaction adds nothing

    def remove(self, name: str) -> None:
        from desktop_app.system.forward_urls import delete_url

        target = self._store.forwards.remove(name)
        if target.url_source is UrlSource.KEYRING:
            delete_url(name)

    def test(self, name: str, deadline: float = DEFAULT_DEADLINE) -> None:
        """Send a test message; the answer comes as `tested(name, error)`. The URL is read here (main thread),
        sent from a thread of its own."""
        from desktop_app.engine.forwarding import deliver
        from desktop_app.system.forward_urls import load_url

        try:
            url = load_url(self._store.forwards.get(name), self._environ)
        except JobTrayError as exc:
            self.tested.emit(name, str(exc))
            return

        def send() -> None:
            error = deliver(url, trial_message(), deadline)
            with contextlib.suppress(RuntimeError):  # the tray quit meanwhile
                self.tested.emit(name, error)

        threading.Thread(target=send, name="jobtray-forward-test", daemon=True).start()

    @staticmethod
    def presence_note(presence: Presence) -> str | None:
        """What the page says under "only when idle or locked" on this desktop."""
        # English for now: core's sentence, as the CLI says it.
        return PRESENCE_UNKNOWN_TEXT if presence is Presence.UNKNOWN else None
