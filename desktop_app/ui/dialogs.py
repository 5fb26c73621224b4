"""Small dialogs: add jobs, and choose which account a drop's job IDs belong to."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.drops import Candidate
from desktop_app.ui.texts import fill

AUTO_ACCOUNT = ""  # the combo entry that lets the ID pattern choose


class AddJobDialog(QDialog):
    """Job IDs (or text and links containing them), an optional account and label.

    Signals:
        add_requested(str, str, str): text, account name ('' = match by ID pattern), label ('' = none).
    """

    add_requested = Signal(str, str, str)

    def __init__(self, accounts: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add job"))
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(self.tr("Job IDs, links or any text containing them, one or many"))
        self.account = QComboBox()
        self.account.addItem(self.tr("Match by ID pattern"), AUTO_ACCOUNT)
        for name, provider in accounts:
            self.account.addItem(f"{name} ({provider})", name)
        self.label = QLineEdit()
        self.label.setPlaceholderText(self.tr("optional, e.g. 'Quarterly report'"))
        form = QFormLayout()
        form.addRow(self.tr("Job IDs"), self.text)
        form.addRow(self.tr("Account"), self.account)
        form.addRow(self.tr("Label"), self.label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(480, 260)

    def accept(self) -> None:
        text = self.text.toPlainText().strip()
        if not text:
            self.text.setFocus()
            return
        self.add_requested.emit(text, str(self.account.currentData()), self.label.text().strip())
        super().accept()


class ChooseAccountDialog(QDialog):
    """Asks which accounts the IDs in a drop belong to, when more than one could own them."""

    def __init__(self, candidates: Sequence[Candidate], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Which account?"))
        self.candidates = tuple(candidates)
        intro = QLabel(self.tr("These job IDs could belong to more than one account. Add them to:"))
        intro.setWordWrap(True)
        self.list = QListWidget()
        for index, candidate in enumerate(self.candidates):
            count = len(candidate.job_ids)
            sample = ", ".join(candidate.job_ids[:2]) + (", …" if count > 2 else "")
            text = fill(
                self.tr("%1 (%2): %n ID(s): %3", "", count), candidate.account.name, candidate.account.provider, sample
            )
            item = QListWidgetItem(text)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if index == 0 else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(520, 240)

    def chosen(self) -> list[Candidate]:
        return [
            candidate
            for index, candidate in enumerate(self.candidates)
            if self.list.item(index).checkState() == Qt.CheckState.Checked
        ]
