"""Takes docs/screenshots/*.png: the demo under a real X server with a tray host. Run it through take.sh.

The tray menu is popped up by the app itself below the tray icon (there is no pointer to click with under Xvfb);
it is the same QMenu the StatusNotifierItem host shows on a click.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.app.run import AppController, run_app

OUT = Path(__file__).resolve().parent


def shoot(name: str) -> None:
    # Notification bubbles would cover the window; dunst's own screenshots belong to the notifier's docs.
    subprocess.run(["dunstctl", "close-all"], check=False, capture_output=True)
    subprocess.run(["import", "-window", "root", str(OUT / name)], check=True)
    print(f"wrote {OUT / name}", file=sys.stderr)


def ready(controller: AppController) -> None:
    window = controller.window
    window.move(20, 60)
    window.resize(1040, 520)

    def menu() -> None:
        window.hide()
        controller.tray.rebuild_menu()
        screen = QApplication.primaryScreen().geometry()
        controller.tray.menu.popup(QPoint(screen.width() - 460, 44))
        QTimer.singleShot(800, lambda: (shoot("tray-menu.png"), controller.tray.menu.hide(), show_window()))

    def show_window() -> None:
        controller.show_window()
        rows = [job for job in controller.model.jobs() if job.state.value == "failed"]
        if rows:
            window.select_job(rows[0].id)
        QTimer.singleShot(800, lambda: (shoot("window.png"), QApplication.quit()))

    QTimer.singleShot(int(float(sys.argv[1]) * 1000), menu)


if __name__ == "__main__":
    run_app(argparse.Namespace(demo=True, quit_after=120.0, data_dir=None, debug=False), ready)
