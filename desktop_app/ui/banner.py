"""The window's banner for accounts that cannot be checked: one line per account with what to do (issue 23).

A problem must look like a problem: "work: environment variable WORK_KEY is not set   [Set the key]" above the
table, not a row that stays Queued for ever.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QStyle, QWidget

from desktop_app.core.problems import AccountProblem
from desktop_app.core.text import displayable
from desktop_app.ui.problems import action_text, waiting_text


def _escape(text: str) -> str:
    return displayable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ProblemBanner(QFrame):
    """Hidden while every account can be checked.

    Signals:
        action_requested(str, str): the user pressed an account's button (account name, problem kind value).
    """

    action_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)  # set apart, in the palette's own colours
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(8, 4, 8, 4)
        self._grid.setColumnStretch(1, 1)
        self._shown: dict[str, AccountProblem] = {}
        self.buttons: dict[str, QPushButton] = {}  # by account name (tests press them)
        self.hide()

    def set_problems(self, problems: Mapping[str, AccountProblem]) -> None:
        if dict(problems) == self._shown:
            return
        self._shown = dict(problems)
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = {}
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(16, 16)
        for row, (name, problem) in enumerate(sorted(self._shown.items())):
            icon = QLabel()
            icon.setPixmap(warning)
            text = QLabel(f"<b>{_escape(name)}</b>: {_escape(waiting_text(problem.kind))} — {_escape(problem.message)}")
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setWordWrap(True)
            button = QPushButton(action_text(problem.kind))
            button.clicked.connect(lambda _=False, n=name, k=problem.kind.value: self.action_requested.emit(n, k))
            self._grid.addWidget(icon, row, 0)
            self._grid.addWidget(text, row, 1)
            self._grid.addWidget(button, row, 2)
            self.buttons[name] = button
        self.setVisible(bool(self._shown))

    def problems(self) -> dict[str, AccountProblem]:
        return dict(self._shown)
