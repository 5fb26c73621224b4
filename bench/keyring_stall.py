"""The GUI event loop's longest stall while a keyring read waits for its unlock (issue 18): the read made on the
GUI thread (as the tray did) vs through `workers.keyring_worker.KeyringThread`.

A real keyring backend (tests/support/gated_keyring.py) whose read waits `--unlock` seconds, as a locked Secret
Service waits for the person to type the password; a 10 ms QTimer on the GUI thread stamps every turn of the
loop, and the longest gap between two turns is the stall a person would feel. Offscreen Qt.
Run: `.venv/bin/python bench/keyring_stall.py [--unlock S] [--reads N]`.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.system import credentials
from desktop_app.workers.keyring_worker import KeyringThread
from tests.support.gated_keyring import GatedKeyring


def _longest_gap(app: QApplication, run: object, done: threading.Event, limit: float) -> float:
    stamps: list[float] = [time.perf_counter()]
    timer = QTimer()
    timer.timeout.connect(lambda: stamps.append(time.perf_counter()))
    timer.start(10)
    QTimer.singleShot(20, run)  # type: ignore[call-overload]
    deadline = time.monotonic() + limit
    while not done.is_set() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    for _ in range(5):  # the turns right after the reply count too
        app.processEvents()
        time.sleep(0.01)
    timer.stop()
    stamps.append(time.perf_counter())
    return max(b - a for a, b in itertools.pairwise(stamps))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unlock", type=float, default=1.0, help="seconds the keyring takes to unlock")
    parser.add_argument("--reads", type=int, default=3)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"  # "chosen": no refusal
    backend = GatedKeyring()
    keyring.set_keyring(backend)
    credentials.store_secret("acme", Secret("k-bench"))
    account = Account("acme", "pdfco", KeySource.KEYRING)
    calls = KeyringThread()

    def unlock_later() -> None:
        backend.gate.clear()
        threading.Timer(args.unlock, backend.gate.set).start()

    results: dict[str, list[float]] = {"on the GUI thread": [], "on the keyring thread": []}
    for _ in range(args.reads):
        done = threading.Event()

        def on_gui(done: threading.Event = done) -> None:
            unlock_later()
            credentials.load_secret(account)
            done.set()

        results["on the GUI thread"].append(_longest_gap(app, on_gui, done, args.unlock + 5))
        done = threading.Event()
        calls.replied.connect(lambda _reply, done=done: done.set())

        def on_worker() -> None:
            unlock_later()
            calls.submit("read", lambda: credentials.load_secret(account))

        results["on the keyring thread"].append(_longest_gap(app, on_worker, done, args.unlock + 5))
        calls.replied.disconnect()
    calls.close(1.0)
    print(f"keyring unlock takes {args.unlock:.2f} s; longest event-loop stall over {args.reads} read(s):")
    for where, gaps in results.items():
        print(f"  read {where:<22} {max(gaps) * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
