"""Issue 23: an account that cannot be checked looks like a problem in the window (a banner with the action, its
jobs "Queued · waiting: key not set", counted apart in the status bar) and the tray (a warning on the icon after an
unacknowledged failure and before the running count; a menu line per account with what to do)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from desktop_app.core.model import JobState
from desktop_app.core.problems import AccountProblem, ProblemKind
from desktop_app.ui.icons import TrayLook
from desktop_app.ui.job_model import Column, JobTableModel
from desktop_app.ui.tray import TrayIcon, summarize
from desktop_app.ui.window import JobWindow, summary_text
from tests.gui.conftest import T0, make_job

NO_KEY = AccountProblem("work", ProblemKind.NO_KEY, "environment variable WORK_KEY is not set")


def _jobs() -> list:
    return [
        make_job(1, JobState.QUEUED, account="work", label="waits"),
        make_job(2, JobState.SUCCEEDED, account="work", label="ended before"),
        make_job(3, JobState.RUNNING, account="home", label="runs"),
    ]


def _state(model: JobTableModel, row_id: int) -> str:
    row = model.row_of(row_id)
    assert row is not None
    return str(model.index(row, Column.STATE).data())


def test_the_jobs_of_an_account_that_cannot_be_checked_say_what_they_wait_for() -> None:
    model = JobTableModel()
    model.sync(_jobs())
    model.set_account_problems({"work": ProblemKind.NO_KEY})
    assert _state(model, 1) == "Queued · waiting: key not set"
    assert _state(model, 2) == "Succeeded"  # an ended job waits for nothing
    assert _state(model, 3) == "Running"  # another account's
    model.set_account_problems({})
    assert _state(model, 1) == "Queued"


def test_the_window_shows_a_banner_with_the_action_and_counts_waiting_jobs_apart(qtbot, tmp_path: Path) -> None:
    model = JobTableModel()
    model.sync(_jobs())
    window = JobWindow(model, settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    assert not window.banner.isVisible()
    window.set_account_problems({"work": NO_KEY})
    assert window.banner.isVisible()
    button = window.banner.buttons["work"]
    assert button.text() == "Set the key"
    with qtbot.waitSignal(window.problem_action_requested) as pressed:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert pressed.args == ["work", "no_key"]
    assert window.summary.text().startswith("1 running · 1 waiting · ")
    window.set_account_problems({"work": AccountProblem("work", ProblemKind.WRONG_KEY, "Unauthorized")})
    assert window.banner.buttons["work"].text() == "Edit the account"
    window.set_account_problems({})
    assert not window.banner.isVisible()
    assert window.summary.text().startswith("2 running · ")


def test_summary_counts_without_problems_are_unchanged() -> None:
    assert summary_text(_jobs(), T0).startswith("2 running · ")
    assert summary_text(_jobs(), T0, {"work"}).startswith("1 running · 1 waiting · ")


def test_the_tray_icon_warns_after_an_unacknowledged_failure_and_before_the_running_count() -> None:
    jobs = _jobs()
    assert summarize(jobs, None, T0).key.look == TrayLook.RUNNING
    warned = summarize(jobs, None, T0, {"work"})
    assert warned.key.look == TrayLook.PROBLEM  # not a plain blue count
    assert "1 waiting" in warned.tooltip and "work cannot be checked" in warned.tooltip
    failed = [*jobs, make_job(4, JobState.FAILED, account="home")]
    assert summarize(failed, None, T0, {"work"}).key.look == TrayLook.FAILED  # a failure not yet acknowledged
    acknowledged = [*jobs, make_job(4, JobState.FAILED, account="home", acknowledged_at=T0)]
    assert summarize(acknowledged, None, T0, {"work"}).key.look == TrayLook.PROBLEM


def test_the_tray_menu_has_a_line_per_problem_account_with_what_to_do(qtbot) -> None:
    tray = TrayIcon(clock=lambda: T0)
    tray.set_jobs(_jobs())
    tray.set_account_problems({"work": ProblemKind.NO_KEY, "zed": ProblemKind.KEYRING_LOCKED})
    assert tray._key is not None and tray._key.look == TrayLook.PROBLEM
    tray.rebuild_menu()
    first, second = tray.menu.actions()[:2]
    assert first.text() == "work: key not set — Set the key"
    assert second.text() == "zed: keyring locked — Unlock the keyring"
    with qtbot.waitSignal(tray.problem_action_requested) as chosen:
        first.trigger()
    assert chosen.args == ["work", "no_key"]
