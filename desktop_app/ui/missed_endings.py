"""Where endings go when nothing else can show them (issue 18): on a desktop with neither a notification server nor
a tray icon (a Wayland compositor with no notification daemon), the window is raised (or flashed, when it is open
already) and a banner at its top lists what ended since the person last saw it.

The banner is a `QToolBar`, so it joins any `QMainWindow` through `addToolBar` without the window knowing about
it. It empties on "Dismiss", and when the window is hidden after having been seen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QSizePolicy, QToolBar, QWidget

MAX_LINES = 5


class EndingsBanner(QToolBar):
    """What ended since the window was last seen: the latest lines first, and how many more."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("endings-banner")
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)  # not in the window's context menu of toolbars
        self._lines: list[tuple[str, bool]] = []
        self._label = QLabel(self)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._label.setWordWrap(True)
        self._label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(self._label)
        self._dismiss = QAction(self.tr("Dismiss"), self)
        self._dismiss.triggered.connect(self.clear)
        self.addAction(self._dismiss)
        self._seen = False
        self.setVisible(False)

    @property
    def lines(self) -> list[str]:
        return [text for text, _ in self._lines]

    def add(self, title: str, body: str, warning: bool = False) -> None:
        """One ending (or a summary of several), newest first."""
        text = f"{title}: {body}" if body else title
        self._lines.insert(0, (" ".join(text.split()), warning))
        self._render()

    def clear(self) -> None:
        self._lines.clear()
        self._render()

    def text(self) -> str:
        return self._label.text()

    def _render(self) -> None:
        if not self._lines:
            self._label.clear()
            self.setVisible(False)
            return
        shown = [text for text, _ in self._lines[:MAX_LINES]]
        more = len(self._lines) - len(shown)
        header = self.tr("Since you last looked:")
        body = "\n".join(shown)
        if more:
            body += "\n" + self.tr("and %1 more").replace("%1", str(more))
        self._label.setText(f"{header}\n{body}")
        self.setVisible(True)

    def watch(self, window: QWidget) -> None:
        """Clear when `window` is hidden after it was seen (shown and active)."""
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.WindowActivate:
            self._seen = True
        elif kind == QEvent.Type.Hide and self._seen:
            self._seen = False
            self.clear()
        return False


def banner_of(window: QMainWindow) -> EndingsBanner:
    """The window's banner, added at its top the first time."""
    banner = window.findChild(EndingsBanner, "endings-banner")
    if banner is None:
        banner = EndingsBanner(window)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, banner)
        banner.watch(window)
    return banner


def draw_attention(window: QWidget) -> None:
    """Raise a hidden or minimised window; flash one that is open (raising it each time would steal the focus)."""
    if window.isHidden() or window.isMinimized():
        window.showNormal()
        window.raise_()
        window.activateWindow()
    else:
        QApplication.alert(window)


def show_in_window(window: QMainWindow, title: str, body: str, warning: bool = False) -> EndingsBanner:
    """An ending that only the window can show: on its banner, and the window raised or flashed."""
    banner = banner_of(window)
    banner.add(title, body, warning)
    draw_attention(window)
    return banner
