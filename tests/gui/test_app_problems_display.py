"""Issue 23 through the tray app: an account whose key variable is unset is a problem the user sees (the icon's
warning, the window's banner with "Set the key", its jobs waiting), its button opens that account's editor, and a
good answer clears it everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import desktop_app.app.run as app_module
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.engine.results import CheckResult
from desktop_app.store.database import Store
from desktop_app.ui.icons import TrayLook
from desktop_app.ui.job_model import Column
from tests.support.notifier import QuietNotifier


@pytest.fixture
def controller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[app_module.AppController]:
    monkeypatch.delenv("UNSET_PROBLEM_KEY", raising=False)
    store = Store(tmp_path / "data")
    account = store.accounts.add(Account("acme", "pdfco", KeySource.ENV, key_env="UNSET_PROBLEM_KEY"))
    store.jobs.add(account, "job-0")
    controller = app_module.AppController(store, show_tray=False, notifier=QuietNotifier())
    yield controller
    controller.shutdown()
    store.close()


def test_an_unset_key_is_a_problem_with_its_action_until_a_good_answer(controller, qtbot, monkeypatch) -> None:
    controller.start()
    qtbot.waitUntil(lambda: "acme" in controller.state.problems, timeout=5000)
    assert controller.state.problems["acme"].kind.value == "no_key"
    key = controller.tray._key
    assert key is not None and key.look == TrayLook.PROBLEM  # a warning, not a plain blue "1"
    window = controller.window
    assert not window.banner.isHidden()
    assert window.banner.buttons["acme"].text() == "Set the key"
    assert window.model.index(0, Column.STATE).data() == "Queued · waiting: key not set"

    edited: list[str] = []
    from desktop_app.ui.accounts_dialog import AccountsDialog

    monkeypatch.setattr(AccountsDialog, "edit_account", lambda _self, name: edited.append(name))
    monkeypatch.setattr(AccountsDialog, "show", lambda _self: None)
    window.banner.buttons["acme"].click()
    assert edited == ["acme"]

    controller.polling.record(CheckResult("acme", ("job-0",), (Status("job-0", JobState.RUNNING, "working"),)))
    assert controller.state.problems == {}
    assert window.banner.isHidden()
    assert window.model.index(0, Column.STATE).data() == "Running"
    qtbot.waitUntil(lambda: controller.tray._key is not None and controller.tray._key.look == TrayLook.RUNNING)
