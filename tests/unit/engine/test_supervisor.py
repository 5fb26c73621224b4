"""The one supervisor (engine/supervisor.py) that turns stored accounts into pollers for the tray and watch/poll:
started with the first open job, a key that cannot be read asked for again with backoff, the jobs whose news waits
to be written not handed out again, discovery flipped, and each problem told once."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.model import Account, Job, JobState, KeySource, Status
from desktop_app.engine import supervisor as supervisor_module
from desktop_app.engine.budget import LocalBudget
from desktop_app.engine.recorder import ResultRecorder
from desktop_app.engine.results import CheckResult, ErrorKind
from desktop_app.engine.supervisor import InlineHost, Supervisor, TellOnce
from desktop_app.store.database import Store
from tests.support.clock import VirtualClock


def _supervisor(store: Store, environ: dict[str, str], clock: VirtualClock) -> tuple[Supervisor, InlineHost]:
    host = InlineHost()
    supervisor = Supervisor(
        store,
        host,
        ResultRecorder(store),
        budget_for=lambda name: LocalBudget(),
        environ=environ,
        clock=clock,
        wall=clock.wall,
        inline=True,
    )
    return supervisor, host


def _open(store: Store) -> list[Job]:
    return store.jobs.open_jobs()


def test_an_account_is_polled_from_its_first_open_job_and_closed_when_it_has_none(tmp_path: Path) -> None:
    clock = VirtualClock()
    with Store(tmp_path) as store:
        account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
        supervisor, host = _supervisor(store, {"K": "secret"}, clock)
        supervisor.sync_accounts(store.accounts.all())
        assert supervisor.push(_open(store)) == []
        assert host.pollers == {}  # nothing to watch: no poller (no HTTP stack, no key read)
        job, _ = store.jobs.add(account, "ABC--1-2")
        supervisor.push(_open(store))
        assert set(host.pollers["work"].schedule.job_ids()) == {"ABC--1-2"}
        store.jobs.record_status(job.id, Status("ABC--1-2", JobState.SUCCEEDED, "success"))
        supervisor.push(_open(store))
        assert host.pollers == {}


def test_a_key_that_cannot_be_read_is_asked_for_again_with_backoff(tmp_path: Path) -> None:
    clock = VirtualClock()
    environ: dict[str, str] = {}
    with Store(tmp_path) as store:
        account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
        store.jobs.add(account, "ABC--1-2")
        supervisor, host = _supervisor(store, environ, clock)
        supervisor.sync_accounts(store.accounts.all())
        failed = supervisor.push(_open(store))
        assert [(r.account, r.job_ids) for r in failed] == [("work", ("ABC--1-2",))]
        run = supervisor.run("work")
        assert run is not None and run.waiting_for_key
        first = supervisor.next_key_retry()
        assert first == clock.now + supervisor_module.KEY_RETRY_FIRST_S
        assert supervisor.push(_open(store)) == []  # not before its time
        clock.sleep(supervisor_module.KEY_RETRY_FIRST_S)
        assert len(supervisor.retry_keys()) == 1
        assert supervisor.next_key_retry() == clock.now + 2 * supervisor_module.KEY_RETRY_FIRST_S  # doubled
        environ["K"] = "secret"
        assert supervisor.retry_keys(force=True) == []  # "Check now": at once
        assert "work" in host.pollers and not run.waiting_for_key


def test_a_job_whose_news_waits_to_be_written_is_not_handed_out_again(tmp_path: Path) -> None:
    clock = VirtualClock()
    with Store(tmp_path) as store:
        account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
        store.jobs.add(account, "ABC--1-2")
        store.jobs.add(account, "ABC--2-2")

        class Pending:
            def pending_job_ids(self, name: str) -> set[str]:
                return {"ABC--2-2"}

            def drop_account(self, name: str) -> None:
                pass

        host = InlineHost()
        supervisor = Supervisor(
            store, host, Pending(), budget_for=lambda name: LocalBudget(), environ={"K": "s"}, clock=clock
        )
        supervisor.sync_accounts(store.accounts.all())
        supervisor.push(_open(store))
        assert set(host.pollers["work"].schedule.job_ids()) == {"ABC--1-2"}


def test_an_edited_account_is_polled_anew_and_a_removed_one_stops(tmp_path: Path) -> None:
    clock = VirtualClock()
    with Store(tmp_path) as store:
        account = store.accounts.add(Account("work", "pdfco", KeySource.ENV, key_env="K"))
        store.jobs.add(account, "ABC--1-2")
        supervisor, host = _supervisor(store, {"K": "s"}, clock)
        supervisor.sync_accounts(store.accounts.all())
        supervisor.push(_open(store))
        before = host.pollers["work"]
        store.accounts.update(Account("work", "pdfco", KeySource.ENV, key_env="K", rate_limit="1/s", id=account.id))
        supervisor.sync_accounts(store.accounts.all())
        supervisor.push(_open(store))
        assert host.pollers["work"] is not before
        assert supervisor.sync_accounts([]) == ["work"]
        assert host.pollers == {}


def test_each_problem_is_told_once_until_the_account_answers_cleanly() -> None:
    told = TellOnce(keep=3)
    failing = CheckResult("work", ("A",), (), "server error 500", ErrorKind.TRANSIENT)
    assert [p.text for p in told.news(failing)[1]] == ["server error 500"]
    assert told.news(failing) == (False, [])
    clean = CheckResult("work", ("A",), (Status("A", JobState.RUNNING, "working"),))
    assert told.news(clean) == (True, [])
    assert len(told.news(failing)[1]) == 1  # a new outage
    short_wait = CheckResult("work", ("A",), (), "rate limited", ErrorKind.RATE_LIMITED, retry_after=5.0)
    assert told.news(short_wait)[1] == []  # the schedule's business
    assert len(told.news(short_wait, quiet_short_waits=False)[1]) == 1  # a terminal line says it
    for n in range(10):
        told.first(f"other:{n}")
    assert len(told) == 3  # bounded
