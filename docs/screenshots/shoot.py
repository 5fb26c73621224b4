"""Takes docs/screenshots/*.png under a real X server with a tray host and dunst. Run it through take.sh.

    shoot.py first-run          the welcome of a first start (an empty data folder), light and dark
    shoot.py demo SECONDS       the demo after SECONDS: the tray menu, the window light and dark, and a failure's
                                notification as dunst shows it (with the failure icon)

The window is shot as the plain demo opens it: its default size and place, its own column widths, nothing
selected (issue 23: the README showed a window arranged for the picture, not the one people get).
The tray menu is popped up by the app itself below the tray icon (there is no pointer to click with under Xvfb);
it is the same QMenu the StatusNotifierItem host shows on a click. "Dark" is a dark QPalette set on the
application, as a dark desktop theme would set it: the window takes every colour from the palette.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desktop_app.app.run import AppController, run_app

OUT = Path(__file__).resolve().parent
STEP_MS = 900
NOTIFICATION_CROP = "400x100+878+48"  # dunst's bubble


def dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2d30",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1f22",
        QPalette.ColorRole.AlternateBase: "#26282b",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#35373b",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#2f65ca",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#8ab4f8",
        QPalette.ColorRole.ToolTipBase: "#35373b",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8c8f94",
        QPalette.ColorRole.Mid: "#44474c",
        QPalette.ColorRole.Dark: "#1a1b1e",
        QPalette.ColorRole.Light: "#4a4d52",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7d82"))
    return palette


def shoot(name: str, crop: str | None = None) -> None:
    command = ["import", "-window", "root"]
    if crop:
        command += ["-crop", crop]
    subprocess.run([*command, str(OUT / name)], check=True)
    print(f"wrote {OUT / name}", file=sys.stderr)


def dunst(*args: str) -> None:
    subprocess.run(["dunstctl", *args], check=False, capture_output=True)


def close_notifications() -> None:
    # Bubbles would cover the window; the failure's own shot pops one back from dunst's history.
    subprocess.run(["dunstctl", "close-all"], check=False, capture_output=True)


def steps(*actions: Callable[[], object]) -> None:
    """Run `actions` one after the other, STEP_MS apart (the X server and dunst draw in between)."""
    for n, action in enumerate(actions):
        QTimer.singleShot(STEP_MS * (n + 1), action)


def go_dark() -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setPalette(dark_palette())


def window_crop(controller: AppController) -> str:
    """The window as it is on the screen, frame included: whatever size and place it opened with."""
    frame = controller.window.frameGeometry()
    return f"{frame.width()}x{frame.height()}+{max(frame.x(), 0)}+{max(frame.y(), 0)}"


def first_run(controller: AppController) -> None:
    steps(
        controller.show_window,
        lambda: (close_notifications(), shoot("welcome-light.png", window_crop(controller))),
        go_dark,
        lambda: (close_notifications(), shoot("welcome-dark.png", window_crop(controller))),
        QApplication.quit,
    )


def pop_a_failure() -> None:
    """Show again the newest failure's notification that dunst received from the demo."""
    history = subprocess.run(["dunstctl", "history"], check=True, capture_output=True, text=True).stdout
    for entry in json.loads(history)["data"][0]:
        if entry["summary"]["data"].startswith("Failed:"):
            subprocess.run(["dunstctl", "history-pop", str(entry["id"]["data"])], check=False)
            return
    print("no failure notification in dunst's history", file=sys.stderr)


def demo(controller: AppController, delay_s: float) -> None:
    window = controller.window

    def menu() -> None:
        window.hide()
        controller.tray.rebuild_menu()
        screen = QApplication.primaryScreen().geometry()
        controller.tray.menu.popup(QPoint(screen.width() - 520, 44))

    def show_window() -> None:
        controller.show_window()  # as the demo opened it: no resize, no column fitting, no selection

    def later() -> None:
        dunst("set-paused", "true")  # the demo's bubbles would cover the window; they wait in dunst's queue
        steps(
            menu,
            lambda: (close_notifications(), shoot("tray-menu.png"), controller.tray.menu.hide()),
            show_window,
            lambda: (close_notifications(), shoot("window-light.png", window_crop(controller))),
            go_dark,
            lambda: (close_notifications(), shoot("window-dark.png", window_crop(controller))),
            lambda: dunst("set-paused", "false"),
            lambda: (close_notifications(), pop_a_failure()),
            lambda: shoot("notification-failure.png", NOTIFICATION_CROP),
            QApplication.quit,
        )

    QTimer.singleShot(int(delay_s * 1000), later)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["first-run", "demo"])
    parser.add_argument("seconds", nargs="?", type=float, default=35.0)
    args = parser.parse_args()
    if args.what == "first-run":
        with tempfile.TemporaryDirectory(prefix="jobtray-first-run-") as folder:
            run = argparse.Namespace(demo=False, quit_after=60.0, data_dir=folder, debug=False)
            return run_app(run, first_run)
    run = argparse.Namespace(demo=True, quit_after=180.0, data_dir=None, debug=False)
    return run_app(run, lambda controller: demo(controller, args.seconds))


if __name__ == "__main__":
    sys.exit(main())
