"""The Settings dialog's Forwarding page (issue 21): forwarding targets (add, remove, Test) and the rules for what is
told and where. It only collects and checks input; the app stores it (targets' URLs in the keyring, never here
longer than the Add) and sends the test.

Signals:
    add_requested(object, object): a new target (`core.forwarding.ForwardTarget`) and its URL (`core.model.Secret`,
        None for an environment variable's target).
    remove_requested(str): remove the target of this name.
    test_requested(str): send a test message to the target of this name; the app answers with `show_test_result`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.errors import ConfigError
from desktop_app.core.forwarding import ForwardTarget, UrlSource, check_name, check_url
from desktop_app.core.model import Secret
from desktop_app.core.rules import Presence, parse_quiet_hours
from desktop_app.core.settings import GlobalSettings
from desktop_app.core.text import displayable

_NAME_ROLE = 256  # Qt.ItemDataRole.UserRole


class ForwardingPage(QWidget):
    """Targets and rules; see the module docstring for its signals."""

    add_requested = Signal(object, object)
    remove_requested = Signal(str)
    test_requested = Signal(str)

    def __init__(
        self,
        targets: Sequence[ForwardTarget],
        accounts: Sequence[str],
        settings: GlobalSettings,
        presence: Presence | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)

        box = QGroupBox(self.tr("Send endings to phones and chat (apprise URLs)"), self)
        column = QVBoxLayout(box)
        self.targets = QListWidget(box)
        column.addWidget(self.targets)
        buttons = QHBoxLayout()
        self.test_button = QPushButton(self.tr("Test"), box)
        self.test_button.clicked.connect(self._test)
        self.remove_button = QPushButton(self.tr("Remove"), box)
        self.remove_button.clicked.connect(self._remove)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.test_result = QLabel("", box)
        self.test_result.setWordWrap(True)
        column.addWidget(self.test_result)

        add = QFormLayout()
        self.name = QLineEdit(box)
        self.name.setPlaceholderText(self.tr("phone"))
        self.url = QLineEdit(box)
        self.url.setEchoMode(QLineEdit.EchoMode.Password)  # it holds a token
        self.url.setPlaceholderText("ntfy://ntfy.sh/TOPIC")
        self.url_env = QLineEdit(box)
        self.url_env.setPlaceholderText(self.tr("or an environment variable holding it"))
        self.account = QComboBox(box)
        self.account.addItem(self.tr("Every account"), None)
        for name in accounts:
            self.account.addItem(displayable(name), name)
        self.with_link = QCheckBox(self.tr("Send the result link too (signed links are secrets)"), box)
        self.add_button = QPushButton(self.tr("Add"), box)
        self.add_button.clicked.connect(self._add)
        add.addRow(self.tr("Name"), self.name)
        add.addRow(self.tr("URL (kept in the keyring)"), self.url)
        add.addRow(self.tr("Variable"), self.url_env)
        add.addRow(self.tr("For"), self.account)
        add.addRow("", self.with_link)
        add.addRow("", self.add_button)
        column.addLayout(add)
        self.error = QLabel("", box)
        self.error.setWordWrap(True)
        column.addWidget(self.error)
        layout.addWidget(box)

        rules = QGroupBox(self.tr("What is told, and where"), self)
        form = QFormLayout(rules)
        self.min_minutes = QDoubleSpinBox(rules)
        self.min_minutes.setRange(0, 7 * 24 * 60)
        self.min_minutes.setDecimals(0)
        self.min_minutes.setSuffix(self.tr(" min"))
        self.min_minutes.setValue(settings.forward_min_minutes)
        self.away_only = QCheckBox(self.tr("Forward only while the desktop is idle or locked"), rules)
        self.away_only.setChecked(settings.forward_when_away)
        self.presence_note = QLabel("", rules)
        self.presence_note.setWordWrap(True)
        self.show_presence(presence)
        self.quiet_hours = QLineEdit(settings.quiet_hours or "", rules)
        self.quiet_hours.setPlaceholderText(self.tr("like 22:00-07:00"))
        self.respect_dnd = QCheckBox(self.tr("Hold banners while the desktop's do-not-disturb is on"), rules)
        self.respect_dnd.setChecked(settings.respect_dnd)
        self.renotify = QDoubleSpinBox(rules)
        self.renotify.setRange(0, 24 * 366)
        self.renotify.setDecimals(0)
        self.renotify.setSuffix(self.tr(" h"))
        self.renotify.setValue(settings.renotify_hours)
        form.addRow(self.tr("Forward jobs that ran longer than"), self.min_minutes)
        form.addRow("", self.away_only)
        form.addRow("", self.presence_note)
        form.addRow(self.tr("Quiet hours (no sounds or banners)"), self.quiet_hours)
        form.addRow("", self.respect_dnd)
        form.addRow(self.tr("Remind of an unacknowledged failure after (0: never)"), self.renotify)
        layout.addWidget(rules)
        self.set_targets(targets)

    # ---- from the app --------------------------------------------------------------------------------------

    def set_targets(self, targets: Sequence[ForwardTarget]) -> None:
        self.targets.clear()
        for target in targets:
            whose = displayable(target.account) if target.account else self.tr("every account")
            where = (
                self.tr("variable %1").replace("%1", target.url_env or "")
                if target.url_source is UrlSource.ENV
                else self.tr("keyring")
            )
            item = QListWidgetItem(f"{displayable(target.name)} · {whose} · {where}", self.targets)
            item.setData(_NAME_ROLE, target.name)
        has = bool(targets)
        self.test_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        if has and self.targets.currentRow() < 0:
            self.targets.setCurrentRow(0)

    def show_presence(self, presence: Presence | None) -> None:
        """What the desktop tells of its presence: None while the app still reads it (D-Bus, up to a second, off
        the GUI thread), then a note only where it tells nothing (forwards are sent always)."""
        if presence is None:
            note = self.tr("Checking whether this desktop tells idle from active...")
        elif presence is Presence.UNKNOWN:
            # core.rules.PRESENCE_UNKNOWN_TEXT, the CLI's sentence, translated here.
            note = self.tr(
                "this desktop does not say whether it is idle or locked (no logind session, no screensaver "
                "service): forwards are sent always"
            )
        else:
            note = ""
        self.presence_note.setText(note)
        self.presence_note.setVisible(bool(note))

    def show_test_result(self, name: str, error: str | None) -> None:
        """The answer to a Test: delivered, or why not (already free of tokens)."""
        if error is None:
            self.test_result.setText(self.tr("Sent a test to %1.").replace("%1", displayable(name)))
        else:
            self.test_result.setText(
                self.tr("Not delivered to %1: %2").replace("%1", displayable(name)).replace("%2", displayable(error))
            )

    def apply(self, settings: GlobalSettings) -> GlobalSettings:
        """`settings` with this page's rules; ConfigError for quiet hours that do not read."""
        hours = parse_quiet_hours(self.quiet_hours.text())
        return replace(
            settings,
            forward_min_minutes=float(self.min_minutes.value()),
            forward_when_away=self.away_only.isChecked(),
            quiet_hours=None if hours is None else hours.text(),
            respect_dnd=self.respect_dnd.isChecked(),
            renotify_hours=float(self.renotify.value()),
        )

    # ---- intents -------------------------------------------------------------------------------------------

    def _selected(self) -> str | None:
        item = self.targets.currentItem()
        return None if item is None else str(item.data(_NAME_ROLE))

    def _test(self) -> None:
        name = self._selected()
        if name is not None:
            self.test_result.setText(self.tr("Sending a test to %1...").replace("%1", displayable(name)))
            self.test_requested.emit(name)

    def _remove(self) -> None:
        name = self._selected()
        if name is not None:
            self.remove_requested.emit(name)

    def _add(self) -> None:
        try:
            name = check_name(self.name.text().strip())
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        url, env = self.url.text().strip(), self.url_env.text().strip()
        if bool(url) == bool(env):
            self.error.setText(self.tr("Give a URL or the name of a variable holding it, not both."))
            return
        try:
            if url:
                check_url(url)
        except ConfigError as exc:
            self.error.setText(str(exc))
            return
        target = ForwardTarget(
            name,
            UrlSource.ENV if env else UrlSource.KEYRING,
            account=self.account.currentData(),
            url_env=env or None,
            with_link=self.with_link.isChecked(),
        )
        self.error.setText("")
        self.url.clear()  # not kept in the widget once handed over
        self.name.clear()
        self.url_env.clear()
        self.account.setCurrentIndex(0)
        self.with_link.setChecked(False)
        self.add_requested.emit(target, Secret(url) if url else None)
