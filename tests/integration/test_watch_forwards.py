"""Issue 21's done-when for forwarding, through real `jobtray` processes: `forward add --url-env VAR` with
VAR=ntfy://127.0.0.1:PORT/topic, then `watch` of a PDF.co simulator job that fails: the receiver gets the job's
label, provider, state and message before `watch` exits; `poll` too. A failing receiver is told once."""

from __future__ import annotations

from collections.abc import Iterator

import dbus
import pytest
from dbusmock import BusType, PrivateDBus

from desktop_app.simulators import pdfco as steps
from desktop_app.simulators.pdfco import PdfCoSimulator
from desktop_app.simulators.server import SimulatorServer
from tests.conftest import PDFCO_KEY, subprocess_env
from tests.integration.test_cli_pdfco import jobtray, list_json
from tests.integration.test_presence import LOGIND_SESSION, _logind, buses
from tests.support.receiver import Receiver, receiving

__all__ = ["buses"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving("ok") as r:
        yield r


def _env(receiver_port: int) -> dict[str, str]:
    return subprocess_env(PDFCO_API_KEY=PDFCO_KEY, PHONE_URL=f"ntfy://127.0.0.1:{receiver_port}/jobs")


def _setup(server: SimulatorServer, env: dict[str, str]) -> None:
    added = jobtray(
        "account", "add", "work", "--provider", "pdfco", "--base-url", server.base_url, "--key-env", "PDFCO_API_KEY",
        env=env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    forward = jobtray("forward", "add", "phone", "--url-env", "PHONE_URL", env=env)
    assert forward.returncode == 0, forward.stderr


def test_a_watched_job_that_fails_reaches_the_receiver(
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer], receiver: Receiver
) -> None:
    sim, server = pdfco_simulator
    env = _env(receiver.port)
    _setup(server, env)
    failed = sim.add_job([steps.working(checks=1), steps.failed("Input file is damaged")])
    assert jobtray("add", "--account", "work", "--label", "annual report", failed, env=env).returncode == 0
    watched = jobtray("watch", env=env)
    assert watched.returncode == 0, watched.stderr
    # Delivered before watch exited: no waiting here.
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.body["topic"] == "jobs"
    assert got.body["title"] == "Failed: annual report"
    message = got.body["message"]
    for text in ("annual report", "PDF.co", "account: work", "state: failed", "message: Input file is damaged"):
        assert text in message
    assert PDFCO_KEY not in str(got)


def test_poll_delivers_its_forwards_and_a_failing_receiver_is_told_once(
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
) -> None:
    sim, server = pdfco_simulator
    with receiving("fail") as failing:
        env = _env(failing.port)
        _setup(server, env)
        jobs = [sim.add_job([steps.failed(f"broken {n}")]) for n in range(2)]
        assert jobtray("add", "--account", "work", *jobs, env=env).returncode == 0
        polled = jobtray("poll", env=env)
        assert len(failing.received) == 2 * 3  # two endings, three attempts each, all before poll exited
    told = [line for line in polled.stderr.splitlines() if "forward phone" in line]
    assert len(told) == 1 and "not delivered" in told[0]


def test_only_when_away_and_an_active_session_the_watched_failure_is_not_forwarded(
    pdfco_simulator: tuple[PdfCoSimulator, SimulatorServer],
    receiver: Receiver,
    buses: tuple[PrivateDBus, PrivateDBus],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim, server = pdfco_simulator
    monkeypatch.setenv("XDG_SESSION_ID", "c7")
    env = _env(receiver.port)  # with the private buses' addresses and the session id
    _setup(server, env)
    assert jobtray("settings", "set", "forward-when-away", "yes", env=env).returncode == 0
    with _logind("c7"):
        held = sim.add_job([steps.failed("Input file is damaged")])
        assert jobtray("add", "--account", "work", held, env=env).returncode == 0
        watched = jobtray("watch", env=env)
        assert watched.returncode == 0, watched.stderr
        assert receiver.received == []
        rows = [p for job in list_json() for p in job["pending"]]
        assert rows == []  # done, not sent: nothing left pending
        session = BusType.SYSTEM.get_connection().get_object(
            "org.freedesktop.login1", "/org/freedesktop/login1/session/c7"
        )
        session.Set(LOGIND_SESSION, "IdleHint", True, dbus_interface=dbus.PROPERTIES_IFACE)
        away = sim.add_job([steps.failed("Out of memory")])
        assert jobtray("add", "--account", "work", away, env=env).returncode == 0
        assert jobtray("watch", env=env).returncode == 0
    (got,) = receiver.received
    assert "Out of memory" in got.body["message"]
