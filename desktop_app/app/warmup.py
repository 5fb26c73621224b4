"""The modules an account's start needs, imported on a thread of their own once the tray icon is up (issue 19).

Starting the first account imports `requests` (urllib3, ssl, http.client, charset_normalizer), the providers and
the engine's poller: 60-110 ms of imports. On the GUI thread, right after `show()`, they kept the tray host waiting
for the icon's pixels (bench/startup.py measures when the icon answers its IconPixmap): the icon was registered
but not drawn. Imported here first, the GUI thread stays free to answer (it only competes for the GIL), and the
accounts start when the imports are done, finding them loaded. A tray with no open job imports none of them
(the HTTP stack waits for the first open job, tests/gui/test_controller_engine.py): the caller decides.

Only modules without Qt classes are imported here (a QObject subclass is better defined on the GUI thread).
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)

THREAD_NAME = "jobtray-warmup"
# What `Supervisor._start` and `TrayKeys` import for an account's first poller; Qt-free.
MODULES = (
    "desktop_app.engine.results",
    "desktop_app.engine.poller",
    "desktop_app.engine.discovery",
    "desktop_app.engine.specs",
)


class _Relay(QObject):
    """Lives on the GUI thread; emitted from the warm-up thread, its queued connection calls back there."""

    done = Signal()


def warm_up(then: Callable[[], None], parent: QObject, modules: tuple[str, ...] = MODULES) -> threading.Thread:
    """Import `modules` on a daemon thread, then call `then` on the GUI thread (whatever the imports did: a module
    that fails to import here fails again where it is used, and is told there)."""
    relay = _Relay(parent)
    relay.done.connect(then, Qt.ConnectionType.QueuedConnection)

    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:
                log.exception("importing %s ahead of the accounts' start failed", name)
        try:
            relay.done.emit()
        except RuntimeError:  # the app quit meanwhile (the relay is gone)
            return

    thread = threading.Thread(target=run, name=THREAD_NAME, daemon=True)
    thread.start()
    return thread
