"""The outbox runner with real parts: a real store, the S3 stand-in, real threads and real commands. Downloads then
commands (which see the saved file), a stop in mid-stream (the row left to resume, no .part) and during a command
(its process group ended, 'interrupted', never rerun), a crash's leftovers resumed under the recorded name, an
expired link, another kind through a registered handler."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.core.settings import AccountSettings
from desktop_app.engine.downloads import DownloadProgress
from desktop_app.engine.outbox import OutboxNews, OutboxRunner, WorkResult
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction, OutboxRow

BODY = b"%PDF-1.4\n" + bytes(range(256)) * 64 + b"%%EOF\n"


@pytest.fixture
def s3() -> Iterator[ObjectStoreServer]:
    with ObjectStoreServer() as server:
        yield server


def _wait_for(condition: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.01)


def _ended_job(store: Store, url: str | None, settings: AccountSettings, actions: list[OutboxAction]) -> int:
    account = store.accounts.add(Account(name="work", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    store.settings.save_account("work", settings)
    job, _ = store.jobs.add(account, "J1")
    with store.jobs.transaction():
        store.jobs.record_status(job.id, Status("J1", JobState.SUCCEEDED, "success", 100.0, None, url))
        store.outbox.add_actions(job.id, actions)
    return job.id


def _runner(store: Store, news: list[OutboxNews], **options: object) -> OutboxRunner:
    return OutboxRunner(store, on_news=news.append, hidden_env=(), **options)  # type: ignore[arg-type]


def test_the_download_first_then_the_command_with_the_file(tmp_path: Path, s3: ObjectStoreServer) -> None:
    results, seen = tmp_path / "r", tmp_path / "seen"
    url = s3.put("a/report.pdf", BODY, content_disposition='attachment; filename="report.pdf"')
    command = f'sh -c "echo $JOBTRAY_RESULT_FILE > {seen}"'
    with Store(tmp_path / "d") as store:
        news: list[OutboxNews] = []
        progress: list[DownloadProgress] = []
        # Started before the ending (its clock a second behind the store's, as if started earlier): the ending's
        # work is told as it happens, not as a replay.
        runner = _runner(store, news, on_progress=progress.append, clock=lambda: time.time() - 1.0)
        runner.start()
        job = _ended_job(
            store,
            url,
            AccountSettings(save_results=str(results), on_end=command),
            [OutboxAction("download", "account:save-results"), OutboxAction("command", "account:on-end")],
        )
        assert runner.run_until_idle(30)
        assert (results / "report.pdf").read_bytes() == BODY
        assert seen.read_text().strip() == str(results / "report.pdf")
        rows = store.outbox.for_job(job, ("done",))
        assert [(r.kind, r.state, r.target_name) for r in rows] == [
            ("download", "done", "report.pdf"),
            ("command", "done", None),
        ]
        assert store.jobs.get(job).result_file == str(results / "report.pdf")
        assert [n.kind for n in news] == ["saved"]
        assert progress[-1] == DownloadProgress(job, "work", len(BODY), len(BODY))
        # "Save result again" is one more row: a second file, never over the first.
        again = runner.save_again(store.jobs.get(job))
        assert runner.save_again(store.jobs.get(job)) == again  # not twice while it is under way
        assert runner.run_until_idle(30)
        assert (results / "report (2).pdf").read_bytes() == BODY
        assert store.outbox.get(again).state == "done"


def test_a_stop_in_mid_stream_leaves_the_row_to_resume_under_its_name(tmp_path: Path, s3: ObjectStoreServer) -> None:
    results = tmp_path / "r"
    url = s3.put("a/report.pdf", BODY, mode="held", content_disposition='attachment; filename="report.pdf"')
    settings = AccountSettings(save_results=str(results))
    with Store(tmp_path / "d") as store:
        job = _ended_job(store, url, settings, [OutboxAction("download", "account:save-results")])
        runner = _runner(store, [])
        runner.start()
        _wait_for(lambda: (results / "report.pdf.part").exists() and s3.held.is_set())
        runner.wait(0.2)  # the name is recorded by the owner
        report = runner.stop()
        assert report.line() == "stopped: 1 download will resume at the next start"
        assert not list(results.iterdir())
        (row,) = store.outbox.for_job(job)
        assert (row.state, row.attempts, row.target_name, row.claimed_by) == ("pending", 0, "report.pdf", None)
        # The next start: the same name, whole, told as one summary.
        s3.release()
        (results / "report.pdf.part").write_bytes(b"stale")  # as a crash would leave it
        news: list[OutboxNews] = []
        again = _runner(store, news)
        again.start()
        assert again.run_until_idle(30)
        assert sorted(p.name for p in results.iterdir()) == ["report.pdf"]
        assert (results / "report.pdf").read_bytes() == BODY
        assert [(n.kind, n.text) for n in news] == [
            ("summary", f"resumed after a restart: 1 result saved ({results / 'report.pdf'})")
        ]


def test_renamed_before_a_crash_is_saved_not_downloaded_twice(tmp_path: Path, s3: ObjectStoreServer) -> None:
    results = tmp_path / "r"
    results.mkdir()
    url = s3.put("a/report.pdf", BODY)
    with Store(tmp_path / "d") as store:
        job = _ended_job(
            store, url, AccountSettings(save_results=str(results)), [OutboxAction("download", "account:save-results")]
        )
        (row,) = store.outbox.for_job(job)
        store.outbox.claim(row.id, 1, 60)
        store.outbox.set_target_name(row.id, 1, "report.pdf")
        store.outbox.release(row.id, 1)
        (results / "report.pdf").write_bytes(BODY)
        runner = _runner(store, [])
        runner.start()
        assert runner.run_until_idle(30)
        assert sorted(p.name for p in results.iterdir()) == ["report.pdf"]
        assert not s3.seen
        assert store.outbox.get(row.id).state == "done"


def test_a_stop_ends_a_command_and_its_group_and_it_is_not_rerun(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    # The command starts a grandchild in its group, then both wait: the stop must end both.
    command = f'sh -c "sleep 60 & echo $! > {marks}/child; echo $$ > {marks}/started; wait"'
    with Store(tmp_path / "d") as store:
        job = _ended_job(store, None, AccountSettings(on_end=command), [OutboxAction("command", "account:on-end")])
        runner = _runner(store, [], command_timeout=30.0)
        runner.start()
        _wait_for(lambda: (marks / "started").exists() and (marks / "child").exists())
        pids = [int((marks / name).read_text()) for name in ("started", "child")]
        report = runner.stop(grace=0.5)
        (row,) = store.outbox.for_job(job)
        assert row.state == "interrupted"
        assert report.commands_stopped == (row.id,)
        assert f"jobtray pending --run-again {row.id}" in report.line()
        for pid in pids:
            _wait_for(lambda pid=pid: not _alive(pid))
        (marks / "started").unlink()
        again = _runner(store, [])
        again.start()
        assert again.run_until_idle(5)
        assert not (marks / "started").exists()  # at most once


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: it only waits for its parent (this test process for `sh`) to reap it.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def test_an_expired_link_fails_without_a_request(tmp_path: Path, s3: ObjectStoreServer) -> None:
    url = s3.put("a/report.pdf", BODY)
    with Store(tmp_path / "d") as store:
        job = _ended_job(
            store,
            url,
            AccountSettings(save_results=str(tmp_path / "r")),
            [OutboxAction("download", "account:save-results", expires_at=time.time() - 1)],
        )
        runner = _runner(store, [])
        runner.start()
        assert runner.run_until_idle(5)
        (row,) = store.outbox.for_job(job)
        assert (row.state, row.last_error) == ("failed", "the result link has expired")
        assert store.jobs.get(job).download_error == "the result link has expired"
        assert not s3.seen


def test_another_kind_runs_through_its_handler(tmp_path: Path) -> None:
    ran: list[tuple[int, str]] = []

    class Forward:
        def __init__(self, row: OutboxRow) -> None:
            self.row = row

        def run(self) -> WorkResult:
            ran.append((self.row.id, self.row.ref or ""))
            return WorkResult("done", outcome="sent")

        def stop(self, grace: float) -> None:
            pass

    with Store(tmp_path / "d") as store:
        job = _ended_job(store, None, AccountSettings(), [OutboxAction("forward", "forward:team")])
        plain = _runner(store, [])
        plain.start()
        assert plain.run_until_idle(2)
        assert store.outbox.for_job(job)[0].state == "pending"  # no handler: left for a process that has one
        runner = _runner(store, [])
        runner.register("forward", lambda row, job: Forward(row))
        runner.start()
        assert runner.run_until_idle(5)
        (row,) = store.outbox.for_job(job, ("done",))
        assert ran == [(row.id, "forward:team")] and row.outcome == "sent"


def test_a_watch_command_runs_only_in_its_own_process(tmp_path: Path) -> None:
    mark = tmp_path / "ran"
    with Store(tmp_path / "d") as store:
        # The watch's runner starts first (as `watch` does), then its ending writes the row.
        runner = _runner(store, [], watch_commands=[f'{sys.executable} -c \'open("{mark}", "w")\''])
        runner.start()
        job = _ended_job(store, None, AccountSettings(), [OutboxAction("command", "watch:0", origin_pid=os.getpid())])
        other = _runner(store, [], pid=os.getpid() + 100000, watch_commands=[f"touch {mark}"])
        other.start()
        assert other.run_until_idle(2) and not mark.exists()
        assert runner.run_until_idle(10)
        assert mark.exists()
        assert store.outbox.for_job(job, ("done",))


def test_leases_are_renewed_while_the_work_goes_on(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    command = f'sh -c "touch {marks}/started; sleep 30"'
    with Store(tmp_path / "d") as store:
        job = _ended_job(store, None, AccountSettings(on_end=command), [OutboxAction("command", "account:on-end")])
        runner = _runner(store, [], lease_seconds=0.4, command_timeout=30.0)
        runner.start()
        (row,) = store.outbox.for_job(job)
        first = row.lease_until
        assert first is not None
        _wait_for((marks / "started").exists)
        deadline = time.monotonic() + 10
        while (store.outbox.get(row.id).lease_until or 0) < first + 0.4:  # more than one lease later
            assert time.monotonic() < deadline, "the lease was never renewed"
            runner.wait(0.1)
        # Another process's repair sees a live lease, whatever it thinks of the PID.
        with Store(tmp_path / "d", check=False) as other:
            assert not other.outbox.repair(pid=1)
        runner.stop(grace=0.2)
        assert store.outbox.get(row.id).state == "interrupted"


def test_results_saved_the_old_way_are_adopted_once_while_their_link_works(
    tmp_path: Path, s3: ObjectStoreServer
) -> None:
    url = s3.put("a/old.pdf", BODY, content_disposition='attachment; filename="old.pdf"')
    results = tmp_path / "r"
    with Store(tmp_path / "d") as store:
        job = _ended_job(store, url, AccountSettings(save_results=str(results)), [])  # ended before the outbox
        account = store.accounts.get("work")
        dead, _ = store.jobs.add(account, "J2")
        expired = "https://h/x.pdf?X-Amz-Date=20200101T000000Z&X-Amz-Expires=3600"
        store.jobs.record_status(dead.id, Status("J2", JobState.SUCCEEDED, "success", 100.0, None, expired))
        saved, _ = store.jobs.add(account, "J3")
        store.jobs.record_status(saved.id, Status("J3", JobState.SUCCEEDED, "success", 100.0, None, url))
        store.jobs.set_result_file(saved.id, str(results / "kept.pdf"))
        news: list[OutboxNews] = []
        runner = _runner(store, news)
        runner.start()
        assert runner.run_until_idle(30)
        assert (results / "old.pdf").read_bytes() == BODY
        assert [r.state for r in store.outbox.for_job(job, ("done",))] == ["done"]
        assert store.outbox.for_job(dead.id, ("pending", "running", "done", "failed")) == []
        assert store.outbox.for_job(saved.id, ("pending", "running", "done", "failed")) == []
        assert [n.kind for n in news] == ["saved"]  # its own ending, not a replay
        # Once per data folder: a job left unsaved later (the tray's own way, until it uses the outbox) is not.
        store.jobs.set_result_file(job, None)
        again = _runner(store, [])
        again.start()
        assert again.run_until_idle(5)
        assert len(store.outbox.for_job(job, ("pending", "running", "done"))) == 1


def test_a_failure_that_may_pass_is_tried_again_with_backoff_then_given_up(
    tmp_path: Path, s3: ObjectStoreServer
) -> None:
    shift = [0.0]

    def store_clock() -> datetime:
        return datetime.now(UTC) + timedelta(seconds=shift[0])

    url = s3.put("a/report.pdf", BODY, mode="reset")  # half the body, then a TCP reset
    results = tmp_path / "r"
    with Store(tmp_path / "d", clock=store_clock) as store:
        job = _ended_job(
            store, url, AccountSettings(save_results=str(results)), [OutboxAction("download", "account:save-results")]
        )
        runner = _runner(store, [], clock=lambda: store_clock().timestamp())
        runner.start()
        for attempt, wait in ((1, 10.0), (2, 30.0)):
            deadline = time.monotonic() + 20
            while (row := store.outbox.for_job(job)[0]).state != "pending" or row.attempts < attempt:
                assert time.monotonic() < deadline
                runner.wait(0.05)
            assert row.next_attempt_at is not None and row.last_error is not None
            assert row.next_attempt_at - store_clock().timestamp() == pytest.approx(wait, abs=2.0)
            assert runner.pump() == 0  # not yet
            shift[0] += wait + 1
        assert runner.run_until_idle(20)
        (row,) = store.outbox.for_job(job)
        assert (row.state, row.attempts) == ("failed", 3)
        assert store.jobs.get(job).download_error == row.last_error
        assert not results.exists() or not list(results.iterdir())


def test_a_stop_within_a_budget_kills_a_command_that_ignores_sigterm(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    # SIGTERM ignored by the shell and (inherited) by its sleep: only the SIGKILL ends them.
    command = f"sh -c \"trap '' TERM; sleep 60 & echo $! > {marks}/child; echo $$ > {marks}/pid; wait\""
    with Store(tmp_path / "d") as store:
        job = _ended_job(store, None, AccountSettings(on_end=command), [OutboxAction("command", "account:on-end")])
        runner = _runner(store, [], command_timeout=60.0)
        runner.start()
        _wait_for(lambda: (marks / "pid").exists() and (marks / "child").exists())
        pids = [int((marks / name).read_text()) for name in ("pid", "child")]
        report = runner.stop(grace=30.0, budget=0.3)  # a tray's quit budget shorter than the grace
        for pid in pids:
            _wait_for(lambda pid=pid: not _alive(pid), timeout=5)
        (row,) = store.outbox.for_job(job)
        assert row.state == "interrupted" and report.commands_stopped == (row.id,)


def test_another_kind_s_passing_failure_is_tried_again_and_a_final_one_told(tmp_path: Path) -> None:
    shift = [0.0]

    def store_clock() -> datetime:
        return datetime.now(UTC) + timedelta(seconds=shift[0])

    answers = [WorkResult("failed", error="server down", retry=True), WorkResult("failed", error="no", text="no")]

    class Flaky:
        def run(self) -> WorkResult:
            return answers.pop(0)

        def stop(self, grace: float) -> None:
            pass

    with Store(tmp_path / "d", clock=store_clock) as store:
        news: list[OutboxNews] = []
        runner = _runner(store, news, clock=lambda: store_clock().timestamp())
        runner.register("forward", lambda row, job: Flaky())
        runner.start()
        job = _ended_job(store, None, AccountSettings(), [OutboxAction("forward", "forward:team")])
        deadline = time.monotonic() + 10
        while (row := store.outbox.for_job(job)[0]).attempts < 1 or row.state != "pending":
            assert time.monotonic() < deadline
            runner.wait(0.05)
        assert row.last_error == "server down" and row.next_attempt_at is not None
        shift[0] += 11
        assert runner.run_until_idle(10)
        (row,) = store.outbox.for_job(job)
        assert (row.state, row.attempts) == ("failed", 2)
        assert [(n.kind, n.text) for n in news] == [("failed", "no")]
