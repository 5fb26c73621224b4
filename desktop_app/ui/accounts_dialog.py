"""Accounts: list, add, edit, remove. The dialog only collects input; the app validates and saves it.

A new key typed here goes to the keyring (the app calls credentials.store_secret); the other choice names an
environment variable read at poll time. The key field is never filled back in: leaving it empty keeps the key.
"Discover new media" shows for the providers the app names as able to list their jobs (encoding.com).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.ui.settings_dialog import FolderField


@dataclass(frozen=True, slots=True)
class AccountForm:
    """What the user entered. `secret` is None when the key should stay as it is."""

    original_name: str | None  # None for a new account
    name: str
    provider: str
    base_url: str | None
    username: str | None
    rate_limit: str | None
    key_source: KeySource
    key_env: str | None
    secret: Secret | None
    save_results: str | None = None  # the folder finished jobs' results are saved in (None: not saved)
    discover: bool | None = None  # watch new media by themselves; None: the provider cannot (left as it is)
    # A defined provider's values for its path (`owner=octo-org repo=hello-world`), as `--var NAME=VALUE` gives them.
    variables: tuple[tuple[str, str], ...] = ()


def parse_variables(text: str) -> tuple[tuple[str, str], ...]:
    """`owner=octo-org repo=hello-world` as (name, value) pairs; a word without `=` is kept with an empty value,
    so the account check names it instead of it vanishing."""
    pairs: list[tuple[str, str]] = []
    for word in text.replace(",", " ").split():
        name, _, value = word.partition("=")
        pairs.append((name.strip(), value.strip()))
    return tuple(pairs)


def _blank_to_none(text: str) -> str | None:
    stripped = text.strip()
    return stripped or None


class AccountEditor(QDialog):
    """One account's settings."""

    def __init__(
        self,
        providers: Sequence[tuple[str, str]],
        account: Account | None = None,
        parent: QWidget | None = None,
        save_results: str | None = None,
        *,
        discover: bool = False,
        discoverable: Collection[str] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit account") if account else self.tr("Add account"))
        self._original = account
        self._discoverable = frozenset(discoverable)
        self.name = QLineEdit(account.name if account else "")
        self.provider = QComboBox()
        for name, display in providers:
            self.provider.addItem(display, name)
        if account is not None:
            index = self.provider.findData(account.provider)
            if index < 0:
                self.provider.addItem(account.provider, account.provider)
                index = self.provider.count() - 1
            self.provider.setCurrentIndex(index)
            self.provider.setEnabled(False)  # the jobs' IDs belong to this provider
        self.base_url = QLineEdit(account.base_url or "" if account else "")
        self.base_url.setPlaceholderText(self.tr("the provider's default"))
        self.username = QLineEdit(account.username or "" if account else "")
        self.variables = QLineEdit(" ".join(f"{k}={v}" for k, v in account.variables) if account else "")
        self.variables.setPlaceholderText(self.tr("for a provider defined in a file, like owner=octo-org repo=site"))
        self.rate_limit = QLineEdit(account.rate_limit or "" if account else "")
        self.rate_limit.setPlaceholderText(self.tr("the provider's default, or like 10/s, 45/min"))
        self.use_keyring = QRadioButton(self.tr("Store the key in the system keyring"))
        self.use_env = QRadioButton(self.tr("Read the key from an environment variable"))
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_env = QLineEdit(account.key_env or "" if account else "")
        self.key_env.setPlaceholderText(self.tr("e.g. PDFCO_API_KEY"))
        if account is not None and account.key_source == KeySource.ENV:
            self.use_env.setChecked(True)
        else:
            self.use_keyring.setChecked(True)
        if account is not None and account.key_source == KeySource.KEYRING:
            self.secret.setPlaceholderText(self.tr("leave empty to keep the stored key"))
        self.use_keyring.toggled.connect(self._update_key_fields)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Provider"), self.provider)
        form.addRow(self.tr("Base URL"), self.base_url)
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Rate limit"), self.rate_limit)
        form.addRow(self.tr("Variables"), self.variables)
        form.addRow(self.use_keyring)
        form.addRow(self.tr("Key"), self.secret)
        form.addRow(self.use_env)
        form.addRow(self.tr("Variable"), self.key_env)
        self.save_results = FolderField(save_results)
        form.addRow(self.tr("Save results in"), self.save_results)
        self.discover = QCheckBox(self.tr("Discover new media"))
        self.discover.setToolTip(
            self.tr("Watch the media created from now on by themselves (the account's list is read once a minute)")
        )
        self.discover.setChecked(discover)
        form.addRow(self.discover)
        self.provider.currentIndexChanged.connect(self._update_discover)
        self._update_discover()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._update_key_fields()

    def _can_discover(self) -> bool:
        return str(self.provider.currentData()) in self._discoverable

    def _update_discover(self) -> None:
        self.discover.setVisible(self._can_discover())

    def _update_key_fields(self) -> None:
        keyring = self.use_keyring.isChecked()
        self.secret.setEnabled(keyring)
        self.key_env.setEnabled(not keyring)

    def form(self) -> AccountForm:
        keyring = self.use_keyring.isChecked()
        secret_text = self.secret.text().strip()
        return AccountForm(
            original_name=self._original.name if self._original else None,
            name=self.name.text().strip(),
            provider=str(self.provider.currentData()),
            base_url=_blank_to_none(self.base_url.text()),
            username=_blank_to_none(self.username.text()),
            rate_limit=_blank_to_none(self.rate_limit.text()),
            key_source=KeySource.KEYRING if keyring else KeySource.ENV,
            key_env=None if keyring else _blank_to_none(self.key_env.text()),
            secret=Secret(secret_text) if keyring and secret_text else None,
            save_results=self.save_results.path(),
            discover=self.discover.isChecked() if self._can_discover() else None,
            variables=parse_variables(self.variables.text()),
        )


class AccountsDialog(QDialog):
    """The list of accounts with Add, Edit and Remove.

    Signals:
        save_requested(AccountForm): add or change an account; the app answers with set_accounts or show_error.
        remove_requested(str): remove the named account and its jobs.
    """

    save_requested = Signal(object)
    remove_requested = Signal(str)

    def __init__(
        self,
        providers: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
        *,
        discoverable: Collection[str] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Accounts"))
        self._providers = tuple(providers)
        self._discoverable = frozenset(discoverable)
        self._accounts: list[Account] = []
        self._folders: dict[str, str | None] = {}
        self._discovering: frozenset[str] = frozenset()
        self._error: str | None = None
        self.list = QListWidget()
        self.list.itemDoubleClicked.connect(lambda _item: self._edit())
        add = QPushButton(self.tr("Add..."))
        add.clicked.connect(self._add)
        self.edit_button = QPushButton(self.tr("Edit..."))
        self.edit_button.clicked.connect(self._edit)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.clicked.connect(self._remove)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        for button in (add, self.edit_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("Keys live in the system keyring or in environment variables, never in JobTray's files."))
        layout.addWidget(note)
        layout.addWidget(self.list)
        layout.addLayout(row)
        layout.addWidget(close)
        self.resize(560, 320)

    def set_accounts(
        self,
        accounts: Sequence[Account],
        errors: Mapping[str, str | None],
        folders: Mapping[str, str | None] | None = None,
        discovering: Collection[str] = (),
    ) -> None:
        """The accounts with their last errors, where each saves its results, and which discover new media."""
        self._accounts = list(accounts)
        self._folders = dict(folders or {})
        self._discovering = frozenset(discovering)
        self.list.clear()
        for account in self._accounts:
            if account.key_source == KeySource.ENV:
                where = self.tr("key from env %1").replace("%1", account.key_env or "")
            else:
                where = self.tr("key from keyring")
            text = f"{account.name} · {account.provider} · {where}"
            if account.name in self._discovering:
                text += " · " + self.tr("discovers new media")
            error = errors.get(account.name)
            if error:
                text += "\n    " + self.tr("last error: %1").replace("%1", error)
            self.list.addItem(QListWidgetItem(text))
        has = bool(self._accounts)
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def show_error(self, message: str) -> None:
        """Called by the app when a save or remove failed."""
        self._error = message

    def _selected(self) -> Account | None:
        row = self.list.currentRow()
        return self._accounts[row] if 0 <= row < len(self._accounts) else None

    def _run_editor(self, editor: AccountEditor) -> None:
        while editor.exec() == QDialog.DialogCode.Accepted:
            self._error = None
            self.save_requested.emit(editor.form())  # the app handles it synchronously (same thread)
            if self._error is None:
                return
            QMessageBox.warning(editor, self.tr("Account not saved"), self._error)

    def _add(self) -> None:
        self.add_account()

    def add_account(self, provider: str | None = None) -> None:
        """The editor for a new account, with `provider` chosen (the welcome's Add a ... account)."""
        editor = AccountEditor(self._providers, None, self, discoverable=self._discoverable)
        index = editor.provider.findData(provider) if provider is not None else -1
        if index >= 0:
            editor.provider.setCurrentIndex(index)
        self._run_editor(editor)

    def edit_account(self, name: str) -> None:
        """The editor for the account named `name` (a problem's "Set the key" / "Edit the account")."""
        for row, account in enumerate(self._accounts):
            if account.name == name:
                self.list.setCurrentRow(row)
                self._edit()
                return

    def _edit(self) -> None:
        account = self._selected()
        if account is not None:
            editor = AccountEditor(
                self._providers,
                account,
                self,
                self._folders.get(account.name),
                discover=account.name in self._discovering,
                discoverable=self._discoverable,
            )
            self._run_editor(editor)

    def _remove(self) -> None:
        account = self._selected()
        if account is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Remove account"),
            self.tr("Remove %1 and stop watching its jobs?").replace("%1", account.name),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._error = None
            self.remove_requested.emit(account.name)
            if self._error is not None:
                QMessageBox.warning(self, self.tr("Account not removed"), self._error)
