"""The tray app's process: the QApplication, one instance per data folder, a clean quit within the quit budget on
SIGINT, SIGTERM, SIGHUP, a logout and --quit-after, uncaught exceptions told to the user, the tray icon shown first
in the store's state (app/early_tray.py), and then an `AppController` (desktop_app/app/controller.py) that adopts it
and builds the parts that do the work. `python -m desktop_app` reaches `run_app`
through cli.py.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

import desktop_app.app._pyside_feature  # noqa: F401  (first of ours: see its docstring)
from desktop_app.app.early_tray import early_icon, glance_key
from desktop_app.app.opening import BENCH_READY_FILE_ENV, app_icon_path, write_ready_marker
from desktop_app.app.translations import install_translators
from desktop_app.store.database import Store, data_dir
from desktop_app.store.tray_glance import read_tray_glance
from desktop_app.ui.icons import TrayIconKey, TrayLook, tray_icon

if TYPE_CHECKING:
    from desktop_app.app.controller import TRAY_UPDATE_MS, AppController
    from desktop_app.app.demo import DemoEnvironment
    from desktop_app.core.handoff import WatchRequest
    from desktop_app.ui.notifier import Notifier

# Re-exported: tests, bench/ and docs/screenshots reach these through desktop_app.app.run. Imported when first
# asked for, not before the icon (issue 19: the controller and its parts are built after it, app/early_tray.py).
__all__ = ["TRAY_UPDATE_MS", "AppController", "Notifier", "run_app"]
_FROM_CONTROLLER = frozenset({"AppController", "Notifier", "TRAY_UPDATE_MS", "NO_TRAY_NOTE", "STOP_TIMEOUT_S"})


def __getattr__(name: str) -> Any:
    if name in _FROM_CONTROLLER:
        import desktop_app.app.controller as controller_module

        return getattr(controller_module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


log = logging.getLogger(__name__)

TRAY_BUSY_TIMEOUT_MS = 250


def _become_primary(folder: Path) -> tuple[bool, Any]:
    try:
        from desktop_app.app.single_instance import SingleInstance, instance_key, unix_sockets
    except ImportError:
        return True, None
    # The tested key: per user and data folder, its socket in the user's private runtime folder.
    key = instance_key(folder)
    if unix_sockets():
        instance: Any = SingleInstance(key)  # a plain Unix socket: QtNetwork is never loaded (issue 19)
    else:
        from desktop_app.app.single_instance_qt import QtSingleInstance  # Windows: a named pipe

        instance = QtSingleInstance(key)
    return bool(instance.try_become_primary()), instance


def _install_signal_handlers(on_signal: Callable[[], None], parent: QObject) -> Callable[[], None]:
    """SIGINT, SIGTERM and SIGHUP quit cleanly (within the quit budget); returns a function that restores the
    previous handlers.

    Python runs signal handlers only between bytecodes, never while Qt's loop sleeps. Rather than waking the loop
    on a timer (four wakeups a second for nothing), the C-level handler writes to a socket (`set_wakeup_fd`) that
    a QSocketNotifier watches: the loop wakes when, and only when, a signal arrives.
    """
    if sys.platform == "win32":
        return lambda: None
    previous: dict[int, Any] = {}

    def handler(_signum: int, _frame: FrameType | None) -> None:
        on_signal()

    try:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread: leave signals alone
        return lambda: None
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    old_fd = signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, parent)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)  # the Python handler has run (or runs right after this slot returns)

    notifier.activated.connect(drain)

    def restore() -> None:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(old_fd)
        reader.close()
        writer.close()
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore


class _ProblemRelay(QObject):
    """Carries a problem report from any thread to the GUI thread (its signal is connected queued)."""

    problem = Signal(str, str)


def run_app(
    args: argparse.Namespace,
    on_ready: Callable[[AppController], None] | None = None,
    on_early: Callable[[QSystemTrayIcon | None], None] | None = None,
) -> int:
    """Run the tray app until quit; returns the exit code. `on_ready` lets tests reach the controller, `on_early`
    the icon shown before it is built (None without a tray), with the signal handlers in place."""
    demo = None
    if getattr(args, "demo", False):
        # Imported only for the demo: the simulators bring http.server along (~4 MB the real app never needs).
        from desktop_app.app.demo import DemoEnvironment

        demo = DemoEnvironment()
    try:
        return _run(args, demo, on_ready, on_early)
    finally:
        if demo is not None:
            demo.close()


def _early_icon(store: Store) -> QSystemTrayIcon | None:
    """The tray's icon in the store's state (app/early_tray.py), or None when the store cannot be read now: the
    controller then shows its own, and says why, as it always did."""
    try:
        return early_icon(glance_key(read_tray_glance(store.conn)))
    except sqlite3.Error:
        log.warning("cannot read the jobs for the tray icon yet", exc_info=True)
        return None


# What the controller imports, one module per turn of the event loop once the icon is shown, so the GUI thread
# answers the tray host's ask for the icon's pixels between them (issue 19). An order only: a module not listed is
# imported with the controller.
EARLY_IMPORTS = (
    "desktop_app.ui.notifier",
    "desktop_app.ui.job_index",
    "desktop_app.ui.tray",
    "desktop_app.ui.job_model",
    "desktop_app.app.state",
    "desktop_app.app.windowing",
    "desktop_app.app.keys",
    "desktop_app.app.polling",
    "desktop_app.app.following",
    "desktop_app.app.end_actions",
    "desktop_app.app.adding",
    "desktop_app.app.accounts",
    "desktop_app.app.alarms",
    "desktop_app.app.etas",
    "desktop_app.app.forwarding",
    "desktop_app.app.pending_work",
    "desktop_app.app.preferences",
    "desktop_app.app.telling",
    "desktop_app.app.telling_rules",
    "desktop_app.app.tray_view",
    "desktop_app.ui.clipboard",
    "desktop_app.app.controller",
    "desktop_app.app.crash",
)


def _run(
    args: argparse.Namespace,
    demo: DemoEnvironment | None,
    on_ready: Callable[[AppController], None] | None,
    on_early: Callable[[QSystemTrayIcon | None], None] | None = None,
) -> int:
    folder = demo.folder if demo is not None else data_dir(getattr(args, "data_dir", None))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("JobTray")
    app.setApplicationDisplayName("JobTray")
    # Before any widget: the ui builds its texts through the translators (ui/texts.py caches the state names).
    install_translators(app)
    app.setDesktopFileName("jobtray")
    app.setQuitOnLastWindowClosed(False)
    icon_file = app_icon_path()
    app.setWindowIcon(QIcon(icon_file) if icon_file else tray_icon(TrayIconKey(TrayLook.DONE)))

    primary, instance = _become_primary(folder)
    if not primary:
        print("jobtray: already running; showing its window", file=sys.stderr)
        return 0

    # A short busy timeout: the GUI thread must not freeze while another program holds the database; results
    # wait in memory (engine.recorder) and are written when it is free.
    try:
        store = Store(folder, busy_timeout_ms=TRAY_BUSY_TIMEOUT_MS)
    except BaseException:
        if instance is not None:  # the next start must not find this one's socket listening
            instance.close()
            instance.deleteLater()
        raise
    controller: AppController | None = None
    icon: QSystemTrayIcon | None = None
    anchor = QObject()  # what lives from the icon to the quit: the signals' notifier, the build's timer
    failed: list[BaseException] = []  # the build's error, raised again once the event loop has returned
    code = 1
    hook = None

    def restore_signals() -> None:
        return None

    def build() -> None:
        nonlocal controller, hook
        from desktop_app.app.controller import NO_TRAY_NOTE, AppController
        from desktop_app.app.crash import install_excepthook
        from desktop_app.app.definitions import learn_definitions

        unused_definitions = learn_definitions(folder)  # providers defined in the folder, before anything asks
        controller = AppController(store, tray_icon=icon)
        controller.quit_requested.connect(app.quit)
        app.aboutToQuit.connect(controller.shutdown)  # in the event loop's last turn; the finally below is a no-op
        quit_after = getattr(args, "quit_after", None)
        if quit_after is not None:
            QTimer.singleShot(max(0, int(quit_after * 1000)), controller, app.quit)
        # An uncaught exception anywhere is logged and told once; the notifier is reached by a queued signal,
        # since the exception may happen in a worker thread.
        problems = _ProblemRelay(controller)
        problems.problem.connect(controller.notifier.notify_problem, Qt.ConnectionType.QueuedConnection)
        crashed = QCoreApplication.translate("run", "JobTray hit an unexpected error")
        hook = install_excepthook(lambda text: problems.problem.emit(crashed, text))
        controller.start(show_window=demo is not None)
        if controller.tray_missing and QGuiApplication.platformName() not in ("offscreen", "minimal"):
            print(f"jobtray: {NO_TRAY_NOTE}", file=sys.stderr)
        if store.recovery_message:
            title = QCoreApplication.translate("run", "JobTray started a new database")
            controller.notifier.notify_problem(title, store.recovery_message)
        for line in unused_definitions:  # told once: this provider alone is disabled
            title = QCoreApplication.translate("run", "A provider definition is not used")
            controller.notifier.notify_problem(title, line)
        if on_ready is not None:
            on_ready(controller)

    pending = list(EARLY_IMPORTS)
    stepper = QTimer(anchor)
    stepper.setInterval(0)

    def step() -> None:
        """One import per turn, then the controller; a failure ends the event loop and is raised after it."""
        try:
            if pending:
                importlib.import_module(pending.pop(0))
                return
            stepper.stop()
            build()
        except BaseException as exc:
            stepper.stop()
            failed.append(exc)
            app.exit(1)

    stepper.timeout.connect(step)

    def built_now() -> AppController | None:
        """The controller, built at once if it is not yet: a hand-off or another start's "show yourself" arrived
        while the icon was up and the rest still being built; it is answered, never refused or lost."""
        if controller is None and not failed:
            pending.clear()  # the rest is imported with the controller
            step()
        return controller

    def activate() -> None:
        built = built_now()
        if built is not None:
            built.show_window()

    def hand_off(request: WatchRequest) -> tuple[bool | None, str | None]:
        built = built_now()
        if built is None:
            return None, "JobTray could not start"  # a line for the command line, as reply_for's
        return built.accept_handoff(request)

    if instance is not None:
        instance.activation_requested.connect(activate)
        instance.set_watch_handler(hand_off)

    try:
        # First: a quit signal from here on quits as any quit does (before, the default action killed the process).
        restore_signals = _install_signal_handlers(lambda: QTimer.singleShot(0, app.quit), anchor)
        # A logout: the session ends, JobTray quits within its budget (downloads left to resume, commands ended)
        # rather than being killed halfway; autostart brings it back at the next login.
        app.commitDataRequest.connect(lambda _manager: QTimer.singleShot(0, app.quit))
        if demo is not None:
            count = demo.seed(store)
            log.info("demo: %d jobs on %d simulated accounts in %s", count, len(demo.running), folder)
        from desktop_app.app.crash import install_qt_message_handler

        install_qt_message_handler()
        # The icon first, in the store's state (app/early_tray.py); the rest is built once the loop runs.
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon = _early_icon(store)
            if icon is not None:
                icon.show()
                write_ready_marker(os.environ.get(BENCH_READY_FILE_ENV))
        if on_early is not None:
            on_early(icon)
        stepper.start()
        code = app.exec()
    finally:
        stepper.stop()
        restore_signals()
        if hook is not None:
            hook.uninstall()
        stopped = controller.shutdown() if controller is not None else True
        if controller is None and icon is not None:
            with contextlib.suppress(RuntimeError):  # gone with a controller whose building failed
                icon.hide()  # quit before the controller adopted it
                icon.deleteLater()
        anchor.deleteLater()
        store.close()
        if instance is not None:
            with contextlib.suppress(Exception):
                instance.close()  # its socket closed and removed now, not whenever the object is collected
                instance.deleteLater()
    if failed:
        raise failed[0]
    if not stopped:
        # A worker is stuck in a request that ignores us (a slow server within its read timeout). Waiting would
        # break the promise to quit within 2 s, and destroying a running QThread aborts: leave without it.
        from desktop_app.workers.stopping import QUIT_BUDGET_S

        log.warning("a thread did not stop within the quit budget (%.0f s); exiting anyway", QUIT_BUDGET_S)
        logging.shutdown()
        if demo is not None:
            demo.close()
        os._exit(int(code))
    return int(code)
