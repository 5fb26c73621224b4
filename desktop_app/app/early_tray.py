"""The tray icon shown before the rest of the tray is built (issue 19: "icon shown" against a bare PySide6 tray).

The tray host asks for the icon's pixels as soon as it is registered, and the GUI thread answers only when its
event loop runs; importing and building the controller first (~110 ms) kept the host waiting. So `app.run` opens
the store, reads what the icon shows (`store.tray_glance`: a few indexed reads), shows it on the tray's own
`QSystemTrayIcon`, and builds the controller in the turns of the event loop that follow; the controller adopts
this icon (`AppController(tray_icon=...)`): one icon, drawn by the same rule (`ui.icons.tray_key`) from the same
facts, so the first pixel is already the tray's.
"""

from __future__ import annotations

from PySide6.QtWidgets import QSystemTrayIcon

from desktop_app.store.tray_glance import TrayGlance
from desktop_app.ui.icons import TrayIconKey, tally_open, tray_icon, tray_key


def glance_key(glance: TrayGlance) -> TrayIconKey:
    """The icon `ui.tray.summarize` draws for these facts: an open job of an account that cannot be checked is
    waiting, not running."""
    tally = tally_open(glance.open_jobs, glance.problem_accounts)
    return tray_key(
        alarming=glance.alarming,
        problems=bool(glance.problem_accounts),
        open_count=tally.running,
        progress_sum=tally.progress_sum,
        progress_count=tally.progress_count,
        ended=glance.ended,
    )


def early_icon(key: TrayIconKey) -> QSystemTrayIcon:
    """The tray's icon drawn for `key`, not shown yet; no menu until the controller adopts it (a click meanwhile
    does nothing)."""
    icon = QSystemTrayIcon(tray_icon(key))
    icon.setToolTip("JobTray")
    return icon
