"""Issue 19 (icon shown): the modules an account's start needs are imported on a warm-up thread once the icon is
up, so the GUI thread stays free to answer the tray host (bench/startup.py: the icon's IconPixmap answered 60-120 ms
after it registered while the GUI thread imported requests)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from desktop_app.app.warmup import THREAD_NAME, warm_up
from desktop_app.core.model import Account, KeySource
from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.simulators.server import serve
from desktop_app.store.database import Store
from tests.conftest import subprocess_env

ROOT = Path(__file__).resolve().parents[2]


def test_modules_are_imported_on_the_warm_up_thread_then_the_gui_thread_goes_on(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "warm_probe.py").write_text("import threading\nTHREAD = threading.current_thread().name\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    called: list[str] = []
    parent = QObject()
    warm_up(lambda: called.append(threading.current_thread().name), parent, ("warm_probe", "no_such_module_here"))
    qtbot.waitUntil(lambda: bool(called), timeout=5000)  # a module that fails to import does not stop the start
    assert sys.modules["warm_probe"].THREAD == THREAD_NAME
    assert called == [threading.main_thread().name]
    sys.modules.pop("warm_probe", None)


SCRIPT = """
import os, sys, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
importers = {}


class Spy:
    def find_spec(self, name, path=None, target=None):
        if name in ("requests", "desktop_app.providers.registry"):
            importers.setdefault(name, threading.current_thread().name)
        return None


sys.meta_path.insert(0, Spy())
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop_app.app.run import AppController
from tests.support.notifier import QuietNotifier
from desktop_app.store.database import Store
controller = AppController(Store(Path(sys.argv[1])), environ={"PDFCO_KEY": "k"}, notifier=QuietNotifier())
controller.start()
end = time.monotonic() + 20
while time.monotonic() < end and not (controller.polling.run("acme") and len(importers) == 2):
    app.processEvents()  # the account's run exists once accounts load; its poller's modules come with the push
print("started:", controller.polling.run("acme") is not None, "imported by:", sorted(set(importers.values())))
controller.shutdown()
"""


def test_a_tray_with_an_open_job_imports_the_http_stack_off_the_gui_thread(data_dir: Path, store: Store) -> None:
    server = serve(pdfco_sim.PdfCoSimulator("k"))
    try:
        account = store.accounts.add(
            Account("acme", "pdfco", KeySource.ENV, base_url=server.base_url, key_env="PDFCO_KEY")
        )
        store.jobs.add(account, "JOB-1")
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(data_dir)],
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    finally:
        server.stop()
    assert result.stdout.splitlines() == [f"started: True imported by: ['{THREAD_NAME}']"], result.stderr[-2000:]
