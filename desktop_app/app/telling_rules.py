"""When the tray tells, and what it says of forwarding (issue 21): quiet hours and the desktop's do-not-disturb
handed to the notifier as the settings say now; a failed forward told as a notification and a menu line."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject

from desktop_app.app.end_actions import EndActions
from desktop_app.app.forwarding import TrayForwarding
from desktop_app.core.errors import JobTrayError
from desktop_app.core.rules import parse_quiet_hours
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.tray import TrayIcon

DND_READ_S = 10.0  # how long a read of the desktop's do-not-disturb is trusted
FORWARD_PROBLEMS_SHOWN = 5


class TellingRules(QObject):
    """Applies the telling settings to the notifier and shows forwarding problems in the tray menu."""

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
        """The desktop's do-not-disturb, read at most every DND_READ_S (a D-Bus call, on GNOME a `gsettings` run)."""
        now = time.monotonic()
        if self._dnd_read is None or now - self._dnd_read[0] >= DND_READ_S:
            if self._read_dnd_now is None:
                from desktop_app.system.presence import read_dnd

                self._read_dnd_now = read_dnd
            self._dnd_read = (now, self._read_dnd_now())
        return self._dnd_read[1]

    def show_forward_problems(self) -> None:
        known = self.forwarding.problems() if self.forwarding is not None else []
        self._tray.set_forward_problems([*known, *self._forward_told])

    def forward_failed(self, text: str) -> None:
        """A forwarding target failed (told once by the engine): a notification and a line in the menu."""
        self._notifier.notify_problem(self.tr("Forwarding failed"), text)
        self._forward_told = [*self._forward_told, text][-FORWARD_PROBLEMS_SHOWN:]
        self.show_forward_problems()
