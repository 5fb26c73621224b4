"""`Preferences`: the settings the user changes from the tray and the window: the Settings dialog, mute, the
clipboard watch and start at login. What stays is written through `EndActions` (the settings in the store) and
announced on `AppState`, which the tray, the notifier and the clipboard watch follow."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject

from desktop_app.app import opening
from desktop_app.app.state import AppState
from desktop_app.app.windowing import WindowHost
from desktop_app.core.errors import JobTrayError
from desktop_app.core.settings import AccountSettings, GlobalSettings

if TYPE_CHECKING:
    from desktop_app.app.end_actions import EndActions
    from desktop_app.app.forwarding import TrayForwarding
    from desktop_app.core.forwarding import ForwardTarget
    from desktop_app.core.model import Secret
    from desktop_app.ui.forwarding_page import ForwardingPage
    from desktop_app.ui.settings_dialog import SettingsDialog
    from desktop_app.ui.tray import TrayIcon

log = logging.getLogger(__name__)


class Preferences(QObject):
    """Settings changed by the user, kept and announced."""

    def __init__(
        self,
        state: AppState,
        windows: WindowHost,
        after: EndActions,
        tray: TrayIcon,
        *,
        forwarding: TrayForwarding | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._state = state
        self._windows = windows
        self._after = after
        self._tray = tray
        self._forwarding = forwarding
        self._dialog: SettingsDialog | None = None

    @property
    def dialog(self) -> SettingsDialog | None:
        """The Settings dialog, once it was opened."""
        return self._dialog

    def open_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.close()
        accounts = {name: self._after.account(name) for name in self._state.account_names()}
        from desktop_app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self._after.app, accounts, self._windows.window)
        dialog.save_requested.connect(lambda app, accounts: self.save(dialog, app, accounts))
        if self._forwarding is not None:
            dialog.add_page(self._forwarding_page(self._forwarding))
        self._dialog = dialog
        dialog.show()
        dialog.raise_()

    def _forwarding_page(self, forwarding: TrayForwarding) -> ForwardingPage:
        """The Forwarding page (issue 21): targets added, removed and tested here; its rules saved with the rest."""
        from desktop_app.core.rules import Presence
        from desktop_app.ui.forwarding_page import ForwardingPage

        # The presence is read off the GUI thread (D-Bus, up to a second): the page says "checking..." until then.
        page = ForwardingPage(forwarding.targets(), self._state.account_names(), self._after.app, None)

        def add(target: ForwardTarget, url: Secret | None) -> None:
            try:
                forwarding.add(target, url)  # a keyring target is answered later, by `added`
            except (JobTrayError, sqlite3.Error) as exc:
                page.error.setText(str(exc))
                return
            page.set_targets(forwarding.targets())

        def added(name: str, error: object) -> None:
            if error is not None:
                page.error.setText(str(error))
            page.set_targets(forwarding.targets())

        def remove(name: str) -> None:
            try:
                forwarding.remove(name)
            except (JobTrayError, sqlite3.Error) as exc:
                page.error.setText(str(exc))
                return
            page.set_targets(forwarding.targets())

        page.add_requested.connect(add)
        page.remove_requested.connect(remove)
        page.test_requested.connect(forwarding.test)
        forwarding.tested.connect(page.show_test_result)  # Qt drops the connection with the page
        forwarding.added.connect(added)

        def presence(read: object) -> None:
            page.show_presence(read if isinstance(read, Presence) else None)

        forwarding.presence_read.connect(presence)

        def forget() -> None:  # a closed dialog's page hears no more answers
            with contextlib.suppress(RuntimeError, TypeError):
                forwarding.added.disconnect(added)
            with contextlib.suppress(RuntimeError, TypeError):
                forwarding.presence_read.disconnect(presence)

        page.destroyed.connect(forget)
        forwarding.check_presence()
        return page

    def save(self, dialog: SettingsDialog, app: GlobalSettings, accounts: dict[str, AccountSettings]) -> None:
        # Watch the clipboard is the tray menu's: a dialog opened before it was toggled must not undo it.
        app = replace(app, clipboard_watch=self._after.app.clipboard_watch)
        try:
            self._after.save(app, accounts)
        except (JobTrayError, sqlite3.Error) as exc:
            dialog.show_error(str(exc))
            return
        self._state.set_muted_until(app.muted_until)
        self._state.say(QCoreApplication.translate("AppController", "Settings saved"))

    def close(self) -> None:
        if self._dialog is not None:
            self._dialog.close()

    def set_muted_until(self, until: datetime | None) -> None:
        self._state.set_muted_until(until)
        self._after.save_mute(until)  # still muted after a restart

    def set_clipboard_watch(self, enabled: bool) -> None:
        """The tray's Watch the clipboard: on or off now, and the same at the next start."""
        try:
            self._after.save_clipboard_watch(enabled)
        except (JobTrayError, sqlite3.Error) as exc:
            log.warning("the clipboard watch could not be kept for the next start: %s", exc)
            if enabled:
                template = QCoreApplication.translate(
                    "AppController", "Watch the clipboard is on until JobTray quits: %1"
                )
            else:
                template = QCoreApplication.translate(
                    "AppController", "Watch the clipboard is off until JobTray quits: %1"
                )
            self._state.say(template.replace("%1", str(exc)))
        self._state.set_clipboard_watch(enabled)

    def settings_loaded(self) -> None:
        """The settings were loaded (at start, or changed by `jobtray settings set clipboard-watch`)."""
        self._state.set_clipboard_watch(self._after.app.clipboard_watch)
        self._state.set_muted_until(self._after.app.muted_until)

    def set_autostart(self, enabled: bool) -> None:
        self._tray.set_autostart(opening.set_autostart(enabled, self._state.say))
