"""When the tray tells, and what it says of forwarding (issue 21): quiet hours and the desktop's do-not-disturb
handed to the notifier as the settings say now; a failed forward told as a notification and a menu line."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from desktop_app.app.end_actions import EndActions
from desktop_app.app.forwarding import TrayForwarding
from desktop_app.core.errors import JobTrayError
from desktop_app.core.rules import parse_quiet_hours
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.tray import TrayIcon

DND_READ_S = 10.0  # how long a read of the desktop's do-not-disturb is trusted
FORWARD_PROBLEMS_SHOWN = 5

log = logging.getLogger(__name__)


class TellingRules(QObject):
    """Applies the telling settings to the notifier and shows forwarding problems in the tray menu.

    Signals:
        _dnd_arrived(): a do-not-disturb read ended (posted from its thread): held endings are looked at again.
    """

    _dnd_arrived = Signal()

    def __init__(
        self,
        notifier: Notifier,
        tray: TrayIcon,
        after: EndActions,
        *,
        parent: QObject,
        read_dnd: Callable[[], bool | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._notifier = notifier
        self._tray = tray
        self._after = after
        self.forwarding: TrayForwarding | None = None  # set once built: it reports through `forward_failed`
        self._read_dnd_now = read_dnd
        self._dnd_read: tuple[float, bool | None] | None = None
        self._dnd_reading = threading.Lock()  # held while a read runs: one at a time
        self._dnd_arrived.connect(self.apply, Qt.ConnectionType.QueuedConnection)
        self._forward_told: list[str] = []

    def apply(self) -> None:
        """Quiet hours and do-not-disturb, as the settings say now, for the notifier."""
        app = self._after.app
        try:
            quiet = parse_quiet_hours(app.quiet_hours or "")
        except JobTrayError:
            quiet = None
        self._notifier.set_telling(quiet, app.respect_dnd, self._read_dnd if app.respect_dnd else None)

    def _read_dnd(self) -> bool | None:
        """The desktop's do-not-disturb, read at most every DND_READ_S (a D-Bus call, on GNOME a `gsettings` run:
        up to about 2 s), never on the GUI thread: while a fresh read is under way the answer is "on" (endings are
        held), and its end has the notifier look at what it holds again (`apply`)."""
        read = self._dnd_read
        if read is not None and time.monotonic() - read[0] < DND_READ_S:
            return read[1]
        if self._dnd_reading.acquire(blocking=False):
            if self._read_dnd_now is None:
                from desktop_app.system.presence import read_dnd

                self._read_dnd_now = read_dnd
            threading.Thread(target=self._read_dnd_off_thread, args=(self._read_dnd_now,), daemon=True).start()
        return True

    def _read_dnd_off_thread(self, reader: Callable[[], bool | None]) -> None:
        try:
            value = reader()
        except Exception:  # the readers answer None rather than raise; a bug here must not hold banners for good
            log.exception("reading the desktop's do-not-disturb failed")
            value = None
        self._dnd_read = (time.monotonic(), value)
        self._dnd_reading.release()
        with contextlib.suppress(RuntimeError):  # the tray quit meanwhile
            self._dnd_arrived.emit()

    def show_forward_problems(self) -> None:
        known = self.forwarding.problems() if self.forwarding is not None else []
        self._tray.set_forward_problems([*known, *self._forward_told])

    def forward_failed(self, text: str) -> None:
        """A forwarding target failed (told once by the engine): a notification and a line in the menu."""
        self._notifier.notify_problem(self.tr("Forwarding failed"), text)
        self._forward_told = [*self._forward_told, text][-FORWARD_PROBLEMS_SHOWN:]
        self.show_forward_problems()
