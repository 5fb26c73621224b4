"""Every fault the network can throw at every provider: the job keeps its last good state, the error is recorded on
the job and the account, the user is told once per outage, Retry-After is honoured, and polling resumes by itself."""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.core.errors import ProtocolError
from desktop_app.engine.recorder import apply_result
from desktop_app.engine.results import CheckResult, ErrorKind, check_batch
from desktop_app.store.database import Store
from tests.conftest import subprocess_env
from tests.reliability.conftest import other_host_url
from tests.support.cli import RecordingPrinter
from tests.support.fault_server import Fault, FaultServer, RecordingServer
from tests.support.providers import Harness, make_harness

KEY_ARGS = ("--key-env", "JOBTRAY_TEST_KEY", "--rate-limit", "100/s")
JSON_ERROR = b'{"error": true, "message": "something is wrong"}'

# name -> (how to build the fault, the error kinds it may be reported as; None: any kind)
FAULTS: dict[str, tuple[Callable[[RecordingServer], Fault], frozenset[ErrorKind] | None]] = {
    "http_400": (lambda _: Fault.http(400, JSON_ERROR, "application/json"), None),
    "http_401": (lambda _: Fault.http(401, JSON_ERROR, "application/json"), frozenset({ErrorKind.AUTH})),
    "http_403": (lambda _: Fault.http(403, b"Forbidden", "text/plain"), None),
    "http_404": (lambda _: Fault.http(404, b"<html>Not Found</html>", "text/html"), None),
    "http_421": (lambda _: Fault.http(421, b"Request Rate over limit", "text/plain"), None),
    "http_500": (lambda _: Fault.http(500, b"<html>oops</html>", "text/html"), frozenset({ErrorKind.TRANSIENT})),
    "http_502": (lambda _: Fault.http(502, b"Bad Gateway", "text/plain"), frozenset({ErrorKind.TRANSIENT})),
    "http_503": (
        lambda _: Fault.http(503, b"", "text/plain", **{"Retry-After": "3"}),
        frozenset({ErrorKind.TRANSIENT}),
    ),
    "rate_limited_seconds": (lambda _: Fault.rate_limited(7), frozenset({ErrorKind.RATE_LIMITED})),
    "rate_limited_date": (lambda _: Fault.rate_limited_in(120), frozenset({ErrorKind.RATE_LIMITED})),
    "hang": (lambda _: Fault.hang(), frozenset({ErrorKind.TRANSIENT})),
    "reset": (lambda _: Fault.reset(), frozenset({ErrorKind.TRANSIENT})),
    "truncated": (lambda _: Fault.truncated(), frozenset({ErrorKind.TRANSIENT})),
    "huge_declared": (lambda _: Fault.huge(30 * 1024 * 1024), frozenset({ErrorKind.PROTOCOL})),
    "huge_chunked": (lambda _: Fault.huge(30 * 1024 * 1024, chunked=True), frozenset({ErrorKind.PROTOCOL})),
    "wrong_content_type": (lambda _: Fault.wrong_content_type(), frozenset({ErrorKind.PROTOCOL})),
    "redirect_302": (lambda other: Fault.redirect(other_host_url(other), 302), frozenset({ErrorKind.PROTOCOL})),
    "redirect_307": (lambda other: Fault.redirect(other_host_url(other), 307), frozenset({ErrorKind.PROTOCOL})),
    "redirect_308": (lambda other: Fault.redirect(other_host_url(other), 308), frozenset({ErrorKind.PROTOCOL})),
}


def _expected_kinds(name: str, provider: str) -> frozenset[ErrorKind] | None:
    if name == "http_421" and provider == "encodingcom":
        # encoding.com documents 421 "Request Rate over limit", to be retried.
        return frozenset({ErrorKind.RATE_LIMITED, ErrorKind.TRANSIENT})
    return FAULTS[name][1]


class Poller:
    """One account with one job, checked the way the app does it: check_batch, then apply_result."""

    def __init__(self, harness: Harness, server: FaultServer, store: Store) -> None:
        self.store = store
        self.client = harness.client(server.base_url)
        self.account = store.accounts.add(harness.account(server.base_url))
        self.job, _ = store.jobs.add(self.account, harness.open_job)

    def round(self) -> CheckResult:
        result = check_batch(self.client, self.account.name, [self.job.job_id])
        apply_result(self.store, result)
        return result

    def close(self) -> None:
        self.client.close()


@pytest.mark.parametrize("fault_name", sorted(FAULTS))
def test_a_fault_keeps_the_last_good_state_and_polling_resumes(
    *, harness: Harness, faults: FaultServer, other_host: RecordingServer, store: Store, fault_name: str
) -> None:
    poller = Poller(harness, faults, store)
    try:
        assert poller.round().ok
        good = store.jobs.get(poller.job.id)
        assert not good.state.is_terminal and good.last_error is None

        faults.inject(FAULTS[fault_name][0](other_host))
        failed = [poller.round() for _ in range(2)]  # returns: a hang fault would otherwise hold it 30 s

        kinds = _expected_kinds(fault_name, harness.provider)
        for result in failed:
            assert not result.ok and result.error
            assert kinds is None or result.error_kind in kinds, (result.error_kind, result.error)
            assert harness.secret not in result.error
        kept = store.jobs.get(poller.job.id)
        assert (kept.state, kept.provider_status, kept.progress, kept.result_url, kept.finished_at) == (
            good.state,
            good.provider_status,
            good.progress,
            good.result_url,
            good.finished_at,
        )
        assert kept.last_error == failed[-1].error
        assert store.accounts.last_error(poller.account.name) == failed[-1].error
        assert [e.state for e in store.jobs.history(poller.job.id)] == [e.state for e in store.jobs.history(good.id)]
        if fault_name == "rate_limited_seconds":
            assert failed[-1].retry_after == 7.0
        if fault_name == "rate_limited_date":
            assert failed[-1].retry_after is not None and 100 <= failed[-1].retry_after <= 120
        assert other_host.request_count == 0, "a redirect reached the other host"

        faults.heal()
        healed = poller.round()
        assert healed.ok, healed.error
        assert store.accounts.last_error(poller.account.name) is None
        assert store.jobs.get(poller.job.id).last_error is None
        if harness.finishes_after_checks is not None:
            for _ in range(harness.finishes_after_checks):
                if store.jobs.get(poller.job.id).state.is_terminal:
                    break
                assert poller.round().ok
            assert store.jobs.get(poller.job.id).state == harness.final_state
    finally:
        poller.close()


def test_a_huge_answer_is_read_only_up_to_the_cap(harness: Harness, faults: FaultServer) -> None:
    faults.inject(Fault.huge(40 * 1024 * 1024, chunked=True))
    client = harness.client(faults.base_url)
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError, match=r"larger|large"):
            client.check([harness.open_job])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.close()
    assert peak < 16 * 1024 * 1024, f"reading a 40 MB answer peaked at {peak / 1e6:.1f} MB"


# ---- told once per outage, Retry-After honoured, resumes by itself: the `watch` loop ----------------------------


class _Stop(Exception):
    pass


@pytest.mark.parametrize("fault_name", ["http_503", "reset", "rate_limited_seconds", "wrong_content_type"])
def test_watch_tells_once_per_outage_honours_retry_after_and_resumes(
    *,
    harness: Harness,
    faults: FaultServer,
    other_host: RecordingServer,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    fault_name: str,
) -> None:
    from desktop_app.cli.watch import watch

    monkeypatch.setenv("JOBTRAY_TEST_KEY", harness.secret)
    account = store.accounts.add(harness.account(faults.base_url))
    job, _ = store.jobs.add(account, harness.open_job)
    fault = FAULTS[fault_name][0](other_host)
    # Two outages of three rounds each, a healthy round before, between and after them.
    plan = {1: "inject", 4: "heal", 5: "inject", 8: "heal"}
    delays: list[tuple[float, bool]] = []  # (delay, whether the round before it failed)
    sleeps = 0
    now = 0.0  # watch's schedule runs on this clock: each sleep moves it, as real time would

    def fake_sleep(seconds: float) -> None:
        nonlocal sleeps, now
        sleeps += 1
        now += seconds
        delays.append((seconds, faults.faults_served > 0 and store.accounts.last_error(account.name) is not None))
        action = plan.get(sleeps)
        if action == "inject":
            faults.inject(fault)
        elif action == "heal":
            faults.heal()
        if sleeps > 8 and harness.finishes_after_checks is None:
            raise _Stop  # a timer-driven demo job: enough seen
        if sleeps > 20:
            raise AssertionError("watch did not finish after the outages")

    out = RecordingPrinter()
    try:
        code = watch(store, out, sleep=fake_sleep, clock=lambda: now)
    except _Stop:
        code = 0
    assert code == 0
    told = [w for w in out.warnings if w.startswith(f"{account.name}: ")]
    assert len(told) == 2, out.warnings  # once per outage, not once per failed round
    assert store.accounts.last_error(account.name) is None
    if harness.finishes_after_checks is not None:
        assert store.jobs.get(job.id).state == harness.final_state
    if fault_name == "rate_limited_seconds":
        after_limit = [delay for delay, failed in delays if failed]
        # 1e-9: the virtual clock sums float sleeps (7 s can come back as 6.9999999999999964)
        assert after_limit and all(delay >= 7.0 - 1e-9 for delay in after_limit), delays


@pytest.mark.slow
def test_cli_watch_reports_an_outage_once_and_finishes(data_dir: Path) -> None:
    """End to end: a real `jobtray watch` against PDF.co behind the fault server, two failed rounds then health."""
    made = make_harness("pdfco")
    env = subprocess_env(JOBTRAY_TEST_KEY=made.secret)
    with FaultServer(made.handler) as server:
        run = [sys.executable, "-m", "desktop_app"]
        added = subprocess.run(
            [*run, "account", "add", "main", "--provider", "pdfco", "--base-url", server.base_url, *KEY_ARGS],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert added.returncode == 0, added.stderr
        subprocess.run([*run, "add", "--account", "main", made.open_job], env=env, timeout=60, check=True)
        server.inject(Fault.http(503, b"down for maintenance", "text/plain"), times=2)
        result = subprocess.run([*run, "watch", "--timeout", "40"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("HTTP 503") == 1, result.stderr
    assert "Traceback" not in result.stderr and made.secret not in result.stderr + result.stdout
    assert "-> succeeded" in result.stdout


def test_retry_after_as_an_http_date_is_seconds_from_now(harness: Harness, faults: FaultServer) -> None:
    from desktop_app.core.errors import RateLimited

    faults.inject(Fault.rate_limited_until(datetime.fromtimestamp(time.time() + 300, UTC)))
    client = harness.client(faults.base_url)
    try:
        with pytest.raises(RateLimited) as caught:
            client.check([harness.open_job])
    finally:
        client.close()
    assert caught.value.retry_after is not None and 280 <= caught.value.retry_after <= 300


def test_fault_server_answers_any_path_and_records_it() -> None:
    with FaultServer() as server:
        server.inject(Fault.http(418, b"teapot"), times=1)
        import requests

        first = requests.get(server.base_url + "/any/path?x=1", timeout=2)
        second = requests.post(server.base_url + "/other", data=b"abc", timeout=2)
    assert (first.status_code, first.text) == (418, "teapot")
    assert second.status_code == 404  # healthy, no simulator behind it
    assert [r.target for r in server.requests] == ["/any/path?x=1", "/other"]
    assert server.requests[1].body == b"abc"
