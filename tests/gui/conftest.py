"""GUI tests run offscreen: set before pytest-qt creates the QApplication (this file is imported first)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.core.model import Account, KeySource
from tests.factories import T0, make_job

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
