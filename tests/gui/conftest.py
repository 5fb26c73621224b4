"""GUI tests run offscreen: set before pytest-qt creates the QApplication (this file is imported first)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.core.model import Account, Job, JobState, KeySource

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def make_job(row_id: int, state: JobState = JobState.RUNNING, **changes: object) -> Job:
    """A Job snapshot as the store would hand it out."""
    values: dict[str, object] = {
        "id": row_id,
        "account": "acme",
        "provider": "pdfco",
        "job_id": f"{row_id:032d}",
        "label": None,
        "state": state,
        "provider_status": str(state),
        "progress": None,
        "message": None,
        "result_url": None,
        "created_at": T0,
        "updated_at": T0 + timedelta(seconds=row_id),
        "finished_at": T0 + timedelta(seconds=row_id) if state.is_terminal else None,
    }
    values.update(changes)
    return Job(**values)  # type: ignore[arg-type]


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
