"""GUI tests run offscreen: set before pytest-qt creates the QApplication (this file is imported first)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# English, whatever the machine's locale: the app installs the system language's translation (app/translations.py)
# and these tests read English texts. tests/gui/test_translations.py starts German in a process of its own.
os.environ["LANG"] = os.environ["LC_ALL"] = "C.UTF-8"
os.environ.pop("LANGUAGE", None)

from desktop_app.core.model import Account, KeySource
from tests.factories import T0, make_job
from tests.support.gated_keyring import GatedKeyring

__all__ = ["T0", "make_account", "make_job"]


def make_account(name: str = "acme", provider: str = "pdfco", row_id: int = 1) -> Account:
    return Account(name=name, provider=provider, key_source=KeySource.ENV, key_env="X", id=row_id)


@pytest.fixture
def no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records QMessageBox.open() texts instead of showing them."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda self: shown.append(self.text()))
    yield shown


@pytest.fixture(autouse=True)
def _qt_app(qapp: object) -> object:
    """Every GUI test has the QApplication (icons and pixmaps need one even without a widget)."""
    return qapp


@pytest.fixture(autouse=True)
def _qsettings_in_tmp(tmp_path: Path) -> None:
    """The window's remembered layout (QSettings, user scope) goes to this test's own folder, never the user's."""
    from PySide6.QtCore import QSettings

    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "qsettings" / scope.name))


@pytest.fixture
def backend() -> Iterator[GatedKeyring]:
    """The process's keyring replaced by one whose calls wait at a gate (opened at the end): a locked keyring
    whose unlock prompt takes its time, for the tests that see where keyring calls run."""
    previous = keyring.get_keyring()
    gated = GatedKeyring()
    keyring.set_keyring(gated)
    try:
        yield gated
    finally:
        gated.gate.set()
        keyring.set_keyring(previous)
