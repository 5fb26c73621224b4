"""Background workers: QObjects moved to QThreads; signals out, slots in."""

from desktop_app.ui.pyside_workarounds import guard_bool_refcounts

# Workers emit from their threads; the guard must be in place before the first emit (see pyside_workarounds).
guard_bool_refcounts()
