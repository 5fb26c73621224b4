"""Discovery from the switch-on (issue 20): `account add --discover` takes the baseline look at once, so media
created between the switch-on and the first poll are watched; a failed switch-on look still adds the account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop_app.simulators import encodingcom as enc
from desktop_app.simulators.encodingcom import EncodingComSimulator
from desktop_app.simulators.server import SimResponse, SimulatorServer
from tests.conftest import ENCODINGCOM_KEY, ENCODINGCOM_USERID
from tests.integration.test_cli_providers import add_account, jobs_by_id, jobtray


def test_media_created_between_discover_and_the_first_poll_are_watched(
    encodingcom_simulator: tuple[EncodingComSimulator, SimulatorServer],
) -> None:
    """Issue 20: `account add --discover` took no look; the first poll's look was the baseline, so media created in
    between were never discovered. Now the switch-on takes the baseline look at once."""
    sim, server = encodingcom_simulator
    old = sim.add_job([enc.running()], created=datetime.now(UTC) - timedelta(minutes=5))
    add_account("encodingcom", server, ENCODINGCOM_KEY, "--username", ENCODINGCOM_USERID, "--discover")
    assert sim.list_requests_made() == 1  # the baseline, at the switch-on
    new = sim.add_job([enc.running()], source="http://cdn.example/after.mov")
    result = jobtray("poll")
    assert result.returncode == 0, result.stderr
    jobs = jobs_by_id()
    assert set(jobs) == {new} and jobs[new]["discovered"] and jobs[new]["label"] == "after.mov"
    assert old not in jobs


def test_a_failed_switch_on_look_still_adds_the_account_and_counts_from_the_switch_on(
    encodingcom_simulator: tuple[EncodingComSimulator, SimulatorServer],
) -> None:
    sim, server = encodingcom_simulator
    old = sim.add_job([enc.running()], created=datetime.now(UTC) - timedelta(hours=1))
    sim.faults.push(SimResponse(503, b"busy", "text/plain"))
    result = jobtray(
        "account", "add", "encodingcom", "--provider", "encodingcom", "--base-url", server.base_url,
        "--username", ENCODINGCOM_USERID, "--discover", "--key-stdin", stdin=ENCODINGCOM_KEY + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "discovery" in result.stderr and "HTTP 503" in result.stderr and result.stderr.count("\n") == 1
    new = sim.add_job([enc.running()], created=datetime.now(UTC) + timedelta(seconds=1))
    assert jobtray("poll").returncode == 0
    assert set(jobs_by_id()) == {new}  # the late baseline counts what was created after the switch-on
    assert old not in jobs_by_id()
