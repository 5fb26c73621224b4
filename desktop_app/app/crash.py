"""What happens to an exception nobody caught: it is logged (through the redacting handlers, so no key reaches the
log or stderr) and the user is told once, not once per failure. Qt's own messages go to the same log.

Qt is imported lazily inside the functions that need it: the CLI imports this module and must stay Qt-free.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from desktop_app.system.logs import redact

log = logging.getLogger("desktop_app.app.crash")

Notify = Callable[[str], None]
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def user_message(exc_type: type[BaseException], exc: BaseException | None) -> str:
    """One line for a notification: what broke, without a secret, pointing at the log."""
    detail = redact(" ".join(str(exc or "").split()))
    if len(detail) > 150:
        detail = detail[:149] + "…"
    what = f"{exc_type.__name__}: {detail}" if detail else exc_type.__name__
    return f"JobTray hit an unexpected error ({what}). It keeps running; details are in the log."


class ExceptHook:
    """The installed hooks; `uninstall()` puts the previous ones back (tests, and a clean shutdown)."""

    def __init__(self, notify: Notify | None) -> None:
        self._notify = notify
        self._lock = threading.Lock()
        self.told = False
        self.count = 0
        self._previous_sys = sys.excepthook
        self._previous_threading = threading.excepthook

    def handle(self, exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc or exc_type(), tb)
            return
        with self._lock:
            self.count += 1
            tell = self._notify is not None and not self.told
            self.told = self.told or tell
        try:
            info: ExcInfo = (exc_type, exc or exc_type(), tb)
            log.critical("uncaught %s", exc_type.__name__, exc_info=info)
        except Exception:  # noqa: S110 - the hook of last resort must not raise
            pass
        if tell and self._notify is not None:
            try:
                self._notify(user_message(exc_type, exc))
            except Exception:
                log.exception("could not tell the user about an uncaught exception")

    def handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return  # a thread calling sys.exit() ends quietly, as Python's default hook does
        self.handle(args.exc_type, args.exc_value, args.exc_traceback)

    def uninstall(self) -> None:
        sys.excepthook = self._previous_sys
        threading.excepthook = self._previous_threading


def install_excepthook(notify: Notify | None = None) -> ExceptHook:
    """Route uncaught exceptions (main thread and other threads) to the log and to `notify` (once).

    Args:
        notify: shows one line to the user, e.g. a tray notification; called at most once per hook. It may be
            called from any thread: a Qt caller should marshal it to the GUI thread (a queued signal).
    """
    hook = ExceptHook(notify)
    sys.excepthook = hook.handle
    threading.excepthook = hook.handle_thread
    return hook


_PLATFORM_LIMITS = ("This plugin does not support",)


def qt_message_handler(mode: Any, context: Any, message: str) -> None:
    """A `qInstallMessageHandler` target: Qt's debug/info/warning/critical/fatal messages into our log."""
    from PySide6.QtCore import QtMsgType

    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }
    category = getattr(context, "category", None) or "default"
    logger = logging.getLogger("qt" if category == "default" else f"qt.{category}")
    where = ""
    file = getattr(context, "file", None)
    if file:
        where = f" ({file}:{getattr(context, 'line', 0)})"
    level = levels.get(mode, logging.WARNING)
    if message.startswith(_PLATFORM_LIMITS):
        level = logging.DEBUG  # a platform plugin (offscreen, some Wayland ones) lacking a window feature: no fault
    logger.log(level, "%s%s", message, where)


def install_qt_message_handler() -> None:
    """Install `qt_message_handler` (the tray app calls this once, after creating the QApplication)."""
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(qt_message_handler)
