"""After-end work a person may act on (issue 18), as the tray menu and the window show it: a result that could not
be saved ("Save again", "Discard"), a command our quit stopped ("Run again", "Discard"), a command that may not
have finished ("Discard": it is never run twice on our own), a retry that waits.

`PendingItem` is what the app hands over (a frozen copy of an outbox row with its job's title: `ui` knows nothing of
the store); `pending_text` and `pending_actions` are the one wording both views use; `PendingPanel` is the window's
list for the selected job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.core.text import clipped, displayable

RUN_AGAIN = "run_again"
DISCARD = "discard"


@dataclass(frozen=True, slots=True)
class PendingItem:
    """One row of after-end work worth a line: its id, its job (row id and title), what it is and where it stands."""

    row_id: int
    job: int
    title: str
    kind: str  # download, command, forward, notify
    state: str  # pending (a retry waits), failed, interrupted, unknown
    target_name: str | None = None
    last_error: str | None = None
    from_watch: bool = False  # a `watch --on-end` command: its text is not kept, it cannot be run again here


def _short(text: str, limit: int = 60) -> str:
    return clipped(displayable(text), limit)


def _said(text: str, name: str, why: str | None = None) -> str:
    """A translated line with its %1 (what) and, where it has one, its %2 (why) filled in."""
    text = text.replace("%1", name)
    return text if why is None else text.replace("%2", why)


def pending_text(item: PendingItem, *, full: bool = False) -> str:
    """One line: "Saving report.pdf failed: the result link has expired" (the reason cut short for a menu; `full`:
    whole, for the window, which wraps it)."""
    name = _short(item.target_name or item.title, 40)
    why = _short(item.last_error or QCoreApplication.translate("PendingWork", "no reason given"), 500 if full else 60)
    if item.kind == "download":
        if item.state == "pending":
            return _said(QCoreApplication.translate("PendingWork", "Saving %1: trying again (%2)"), name, why)
        return _said(QCoreApplication.translate("PendingWork", "Saving %1 failed: %2"), name, why)
    title = _short(item.title, 40)
    if item.kind == "command":
        if item.state == "unknown":
            return _said(QCoreApplication.translate("PendingWork", "A command for %1 may not have finished"), title)
        if item.state == "interrupted":
            return _said(
                QCoreApplication.translate("PendingWork", "A command for %1 was stopped when JobTray quit"), title
            )
        if item.state == "pending":
            return _said(QCoreApplication.translate("PendingWork", "A command for %1: trying again (%2)"), title, why)
        return _said(QCoreApplication.translate("PendingWork", "A command for %1 failed: %2"), title, why)
    if item.kind == "forward":
        return _said(QCoreApplication.translate("PendingWork", "Forwarding %1 failed: %2"), title, why)
    return _said(QCoreApplication.translate("PendingWork", "After-end work for %1 failed: %2"), title, why)


def pending_actions(item: PendingItem) -> list[tuple[str, str]]:
    """(label, action) pairs: a failed save is saved again, a stopped or failed command run again; a command that may
    not have finished is only discarded (never run twice unless asked at the command line)."""
    actions: list[tuple[str, str]] = []
    if item.state in ("failed", "interrupted") and not item.from_watch:
        label = (
            QCoreApplication.translate("PendingWork", "Save again")
            if item.kind == "download"
            else QCoreApplication.translate("PendingWork", "Run again")
        )
        actions.append((label, RUN_AGAIN))
    actions.append((QCoreApplication.translate("PendingWork", "Discard"), DISCARD))
    return actions


class PendingPanel(QWidget):
    """The selected job's after-end work in the window, a line each with its buttons; hidden when there is none.

    Signals:
        action_requested(int, str): a button was clicked (outbox row id, RUN_AGAIN or DISCARD).
    """

    action_requested = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 2, 0, 2)
        self.items: tuple[PendingItem, ...] = ()
        self._buttons: list[QPushButton] = []
        self.setVisible(False)

    def show_items(self, items: Sequence[PendingItem]) -> None:
        items = tuple(items)
        if items == self.items:
            return
        self.items = items
        self._buttons = []
        while self._layout.count():
            child = self._layout.takeAt(0)
            widget = child.widget() if child is not None else None
            if widget is not None:
                widget.deleteLater()
        for item in items:
            line = QWidget(self)
            row = QHBoxLayout(line)
            row.setContentsMargins(0, 0, 0, 0)
            label = QLabel(pending_text(item, full=True), line)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            row.addWidget(label, 1)
            for text, action in pending_actions(item):
                button = QPushButton(text, line)
                button.clicked.connect(lambda _=False, r=item.row_id, a=action: self.action_requested.emit(r, a))
                row.addWidget(button)
                self._buttons.append(button)
            self._layout.addWidget(line)
        self.setVisible(bool(items))

    def buttons(self) -> list[QPushButton]:
        """Every button shown now (tests click them)."""
        return list(self._buttons)
