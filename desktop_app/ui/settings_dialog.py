"""Settings: mute, downloads, commands for the app; per account which endings notify, sound, urgent failures, where
results are saved and a command. The dialog only collects and checks input (core.settings); the app stores it.
No key is ever asked for here."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import JobState
from desktop_app.core.settings import (
    ENDING_NAMES,
    MAX_COMMAND_TIMEOUT,
    AccountSettings,
    GlobalSettings,
    parse_command,
    parse_size,
    size_text,
)
from desktop_app.ui.forwarding_page import ForwardingPage
from desktop_app.ui.texts import QT_TRANSLATE_NOOP

_ENDING_LABELS = {
    "succeeded": QT_TRANSLATE_NOOP("EndingsBox", "Succeeded"),  # the words of list --json (issue 20)
    "partial": QT_TRANSLATE_NOOP("EndingsBox", "Partial"),
    "failed": QT_TRANSLATE_NOOP("EndingsBox", "Failed"),
    "cancelled": QT_TRANSLATE_NOOP("EndingsBox", "Cancelled"),
    "not_found": QT_TRANSLATE_NOOP("EndingsBox", "Not found"),
}


def date_time_format(locale: QLocale | None = None) -> str:
    """How the user's locale writes a date and time ("dd.MM.yy HH:mm" in German); ISO 8601 where the locale is
    C (Qt's own C format reads "3 12 2026 06:31")."""
    locale = locale if locale is not None else QLocale()
    if locale.language() == QLocale.Language.C:
        return "yyyy-MM-dd HH:mm"
    return locale.dateTimeFormat(QLocale.FormatType.ShortFormat)


class SecondsBox(QDoubleSpinBox):
    """Seconds as the locale writes numbers, without trailing zeros: "60 s", "0,5 s", never "60.00 s"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(1)
        self.setSuffix(QCoreApplication.translate("SettingsDialog", " s"))  # the dialog's string, translated there

    def textFromValue(self, value: float) -> str:
        return self.locale().toString(round(value, self.decimals()), "g", 12)


class EndingsBox(QWidget):
    """A check box per ending."""

    def __init__(self, chosen: frozenset[JobState], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[JobState, QCheckBox] = {}
        for name, state in ENDING_NAMES.items():
            box = QCheckBox(QCoreApplication.translate("EndingsBox", _ENDING_LABELS[name]))
            box.setChecked(state in chosen)
            self.boxes[state] = box
            row.addWidget(box)

    def chosen(self) -> frozenset[JobState]:
        return frozenset(state for state, box in self.boxes.items() if box.isChecked())

    def set_chosen(self, chosen: frozenset[JobState]) -> None:
        for state, box in self.boxes.items():
            box.setChecked(state in chosen)


def _command(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    parse_command(text)  # ConfigError when it cannot be split
    return text


class FolderField(QWidget):
    """A folder path with a "Choose..." button (an empty path: not saved)."""

    def __init__(self, path: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(path or "")
        self.edit.setPlaceholderText(self.tr("not saved (results stay links)"))
        choose = QPushButton(self.tr("Choose..."))
        choose.clicked.connect(self._choose)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(choose)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Save results in"), self.edit.text())
        if folder:
            self.edit.setText(folder)

    def path(self) -> str | None:
        return self.edit.text().strip() or None


class SettingsDialog(QDialog):
    """Signals:
    save_requested(GlobalSettings, dict): the app's settings and every account's (by name); the app stores them
        and answers `show_error` when it could not.
    """

    save_requested = Signal(object, object)

    def __init__(
        self,
        app: GlobalSettings,
        accounts: Mapping[str, AccountSettings],
        parent: QWidget | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._app = app
        self._accounts = dict(accounts)
        self._error: str | None = None
        now = now or datetime.now(UTC)

        self.muted = QCheckBox(self.tr("Mute notifications until"))
        self.muted_until = QDateTimeEdit()
        self.muted_until.setDisplayFormat(date_time_format(self.locale()))
        self.muted_until.setCalendarPopup(True)
        until = app.muted_until if app.muted(now) else None
        self.muted.setChecked(until is not None)
        shown = (until or now + timedelta(hours=1)).astimezone()
        self.muted_until.setDateTime(QDateTime.fromSecsSinceEpoch(int(shown.timestamp())))
        mute_row = QHBoxLayout()
        mute_row.addWidget(self.muted)
        mute_row.addWidget(self.muted_until, 1)
        self.cap = QLineEdit(size_text(app.download_cap))
        self.cap.setPlaceholderText(self.tr("like 500M or 2G"))
        self.command = QLineEdit(app.on_end or "")
        self.command.setPlaceholderText(
            self.tr("a command line, run without a shell (JOBTRAY_* variables tell the job)")
        )
        self.command_when = EndingsBox(app.on_end_when)
        self.timeout = SecondsBox()
        self.timeout.setRange(0.1, MAX_COMMAND_TIMEOUT)
        self.timeout.setValue(app.command_timeout)
        app_form = QFormLayout()
        app_form.addRow(mute_row)
        app_form.addRow(self.tr("Largest result to save"), self.cap)
        app_form.addRow(self.tr("Run when a job ends"), self.command)
        app_form.addRow(self.tr("... for"), self.command_when)
        app_form.addRow(self.tr("Time limit"), self.timeout)
        app_box = QGroupBox(self.tr("All accounts"))
        app_box.setLayout(app_form)

        self.account = QComboBox()
        for name in sorted(self._accounts):
            self.account.addItem(name, name)
        self.notify = EndingsBox(frozenset())
        self.sound = QCheckBox(self.tr("With sound"))
        self.urgent = QCheckBox(self.tr("Failures are urgent"))
        self.folder = FolderField(None)
        self.account_command = QLineEdit()
        self.account_command_when = EndingsBox(frozenset())
        account_form = QFormLayout()
        account_form.addRow(self.tr("Account"), self.account)
        account_form.addRow(self.tr("Notify when"), self.notify)
        account_form.addRow(self.sound)
        account_form.addRow(self.urgent)
        account_form.addRow(self.tr("Save results in"), self.folder)
        account_form.addRow(self.tr("Run when a job ends"), self.account_command)
        account_form.addRow(self.tr("... for"), self.account_command_when)
        self.account_box = QGroupBox(self.tr("Each account"))
        self.account_box.setLayout(account_form)
        self.account_box.setEnabled(bool(self._accounts))
        self._shown: str | None = None
        self.account.currentIndexChanged.connect(self._account_changed)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self._layout = layout
        self._pages: list[ForwardingPage] = []
        layout.addWidget(app_box)
        layout.addWidget(self.account_box)
        layout.addWidget(QLabel(self.tr("No key is kept here: commands never see one.")))
        layout.addWidget(buttons)
        self._account_changed()

    # ---- the form ---------------------------------------------------------------------------------------------

    def _account_changed(self) -> None:
        if self._shown is not None:
            with contextlib.suppress(ConfigError):  # checked again on Save
                self._accounts[self._shown] = self._account_form(self._accounts[self._shown])
        name = self.account.currentData()
        self._shown = str(name) if name is not None else None
        if self._shown is None:
            return
        settings = self._accounts[self._shown]
        self.notify.set_chosen(settings.notify)
        self.sound.setChecked(settings.sound)
        self.urgent.setChecked(settings.urgent_failures)
        self.folder.edit.setText(settings.save_results or "")
        self.account_command.setText(settings.on_end or "")
        self.account_command_when.set_chosen(settings.on_end_when)

    def _account_form(self, settings: AccountSettings) -> AccountSettings:
        return replace(
            settings,
            notify=self.notify.chosen(),
            sound=self.sound.isChecked(),
            urgent_failures=self.urgent.isChecked(),
            save_results=self.folder.path(),
            on_end=_command(self.account_command.text()),
            on_end_when=self.account_command_when.chosen(),
        )

    def values(self) -> tuple[GlobalSettings, dict[str, AccountSettings]]:
        """What the form says; ConfigError (one line) when a value makes no sense."""
        muted_until = None
        if self.muted.isChecked():
            muted_until = datetime.fromtimestamp(self.muted_until.dateTime().toSecsSinceEpoch(), UTC)
        app = replace(
            self._app,
            muted_until=muted_until,
            download_cap=parse_size(self.cap.text()),
            on_end=_command(self.command.text()),
            on_end_when=self.command_when.chosen(),
            command_timeout=float(self.timeout.value()),
        )
        for page in self._pages:
            app = page.apply(app)  # its rules (issue 21); ConfigError like the rest of the form
        accounts = dict(self._accounts)
        if self._shown is not None:
            accounts[self._shown] = self._account_form(accounts[self._shown])
        return app, accounts

    def add_page(self, page: ForwardingPage) -> None:
        """A part of the dialog that the app builds (the Forwarding page): shown after the account's settings, its
        values saved with the rest."""
        self._pages.append(page)
        self._layout.insertWidget(2 + len(self._pages) - 1, page)

    def show_error(self, message: str) -> None:
        self._error = message

    def _save(self) -> None:
        try:
            app, accounts = self.values()
        except ConfigError as exc:
            QMessageBox.warning(self, self.tr("Settings not saved"), str(exc))
            return
        self._error = None
        self.save_requested.emit(app, accounts)  # the app handles it synchronously (same thread)
        if self._error is not None:
            QMessageBox.warning(self, self.tr("Settings not saved"), self._error)
            return
        self.accept()
