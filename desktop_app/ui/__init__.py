"""The Qt user interface: tray, window, dialogs. Sends intents by signal; never touches SQLite or HTTP."""

from desktop_app.ui.pyside_workarounds import guard_bool_refcounts

# Before any signal is emitted: PySide6 6.12's emit() leaks references to True (see pyside_workarounds).
guard_bool_refcounts()
