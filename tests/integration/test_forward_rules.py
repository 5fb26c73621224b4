"""Rules on forwarding (issue 21) through a real OutboxRunner, a real receiver and python-dbusmock's logind:
with "only when idle or locked" and an active session the forward does not go; idle, it goes; where nothing
tells, it goes and that is said once; jobs shorter than forward-min-minutes are not forwarded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import dbus
import pytest
from dbusmock import BusType, PrivateDBus

from desktop_app.core.forwarding import ForwardTarget, UrlSource
from desktop_app.core.model import Account, JobState, KeySource, Status, StatusChange
from desktop_app.core.rules import PRESENCE_UNKNOWN_TEXT
from desktop_app.core.settings import AccountSettings, GlobalSettings
from desktop_app.engine.forwarding import forward_factory, plan_forwards
from desktop_app.engine.outbox import OutboxRunner
from desktop_app.store.database import Store
from tests.integration.test_presence import LOGIND_SESSION, _logind, buses
from tests.support.receiver import Receiver, receiving

__all__ = ["buses"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving("ok") as r:
        yield r


def _ending(store: Store, n: int) -> StatusChange:
    account = store.accounts.all()[0]
    job, _ = store.jobs.add(account, f"job-{n}")
    store.jobs.record_status(job.id, Status(job.job_id, JobState.RUNNING, "working"))
    change = store.jobs.record_status(job.id, Status(job.job_id, JobState.FAILED, "error", message="boom"))
    assert change is not None
    return change


def _forward(store: Store, change: StatusChange, env: dict[str, str], told: list[str]) -> None:
    store.outbox.add_actions(change.job.id, plan_forwards(change, AccountSettings(), store.forwards.all()))
    runner = OutboxRunner(store, environ=env)
    runner.register("forward", forward_factory(store, told.append, env))
    runner.start()
    assert runner.run_until_idle(30)


def _store(folder: Path) -> Store:
    store = Store(folder)
    store.accounts.add(Account(name="studio", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    store.forwards.add(ForwardTarget("phone", UrlSource.ENV, url_env="PHONE_URL"))
    store.settings.save_app(replace(GlobalSettings(), forward_when_away=True))
    return store


def test_only_when_away_with_an_active_session_the_forward_does_not_go(
    data_dir: Path, receiver: Receiver, buses: tuple[PrivateDBus, PrivateDBus], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_SESSION_ID", "c7")
    env = {"PHONE_URL": f"ntfy://127.0.0.1:{receiver.port}/jobs", "XDG_SESSION_ID": "c7"}
    told: list[str] = []
    with _store(data_dir) as store, _logind("c7"):
        held = _ending(store, 1)
        _forward(store, held, env, told)
        assert receiver.received == []
        (row,) = store.outbox.for_job(held.job.id, states=("done",))
        assert row.outcome is not None and "in use" in row.outcome

        session = BusType.SYSTEM.get_connection().get_object(
            "org.freedesktop.login1", "/org/freedesktop/login1/session/c7"
        )
        session.Set(LOGIND_SESSION, "IdleHint", True, dbus_interface=dbus.PROPERTIES_IFACE)
        _forward(store, _ending(store, 2), env, told)
        (got,) = receiver.wait_for(1)
        assert got.body["title"] == "Failed: job-2"
    assert told == []


def test_where_nothing_tells_it_forwards_and_says_so_once(
    data_dir: Path, receiver: Receiver, buses: tuple[PrivateDBus, PrivateDBus]
) -> None:
    env = {"PHONE_URL": f"ntfy://127.0.0.1:{receiver.port}/jobs"}
    told: list[str] = []
    with _store(data_dir) as store:
        _forward(store, _ending(store, 1), env, told)
        _forward(store, _ending(store, 2), env, told)
    assert len(receiver.wait_for(2)) == 2
    assert told.count(PRESENCE_UNKNOWN_TEXT) >= 1 and len(set(told)) == 1


def test_short_jobs_are_not_forwarded(data_dir: Path) -> None:
    with _store(data_dir) as store:
        change = _ending(store, 1)  # ran a moment
        targets = store.forwards.all()
        assert plan_forwards(change, AccountSettings(), targets, GlobalSettings(forward_min_minutes=5)) == []
        assert (
            plan_forwards(
                change, AccountSettings(forward_min_minutes=0), targets, GlobalSettings(forward_min_minutes=5)
            )
            != []
        )
