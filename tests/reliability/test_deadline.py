"""Slow and broken servers: a deadline bounds every request, abandon() ends one at once, and the error says what
happened (an invalid HTTP answer is not "cannot reach"). Every provider, through the fault server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time

import pytest

from desktop_app.core.errors import JobTrayError, TransientError
from desktop_app.providers.base import HttpProvider
from desktop_app.providers.registry import provider_class
from tests.support.fault_server import Fault, FaultServer
from tests.support.providers import Harness

DEADLINE = 0.8
TRICKLE = 0.15  # well inside the harness's read timeout (0.4 s): only a deadline stops it
TIMEOUT = (1.0, 0.4)


def _client(harness: Harness, base_url: str, deadline: float = DEADLINE) -> HttpProvider:
    config = dataclasses.replace(harness.config(base_url, TIMEOUT), deadline=deadline)
    return provider_class(harness.provider)(config)


def _failure(client: HttpProvider, job_id: str) -> JobTrayError:
    # No time asserted: the message names the deadline that cut the request off (a whole trickle takes far longer).
    try:
        with pytest.raises(JobTrayError) as caught:
            client.check([job_id])
    finally:
        client.close()
    return caught.value


@pytest.mark.parametrize("fault", [Fault.trickle(TRICKLE), Fault.trickle_headers(TRICKLE)], ids=["body", "headers"])
def test_a_trickling_server_is_cut_off_at_the_deadline(harness: Harness, faults: FaultServer, fault: Fault) -> None:
    faults.inject(fault)
    error = _failure(_client(harness, faults.base_url), harness.open_job)
    assert type(error) is TransientError
    assert str(error) == f"{faults.base_url.removeprefix('http://')} did not send a complete answer within 0.8 s"


def test_the_deadline_is_thirty_seconds_unless_configured(harness: Harness) -> None:
    client = harness.client("http://127.0.0.1:9")
    try:
        assert client.config.deadline == 30.0 and client.transport.deadline == 30.0
    finally:
        client.close()


def test_a_healthy_server_is_unaffected_and_the_connection_is_reused_after_a_deadline(
    harness: Harness, faults: FaultServer
) -> None:
    client = _client(harness, faults.base_url)
    try:
        client.check([harness.open_job])
        faults.inject(Fault.trickle(TRICKLE), times=1)
        with pytest.raises(TransientError, match="complete answer"):
            client.check([harness.open_job])
        assert client.check([harness.open_job])  # healed: the next request opens a fresh connection
    finally:
        client.close()


def test_abandon_ends_a_request_in_flight_and_refuses_the_next(harness: Harness, faults: FaultServer) -> None:
    faults.inject(Fault.trickle(TRICKLE))
    client = _client(harness, faults.base_url, deadline=20.0)
    errors: list[BaseException] = []

    def poll() -> None:
        try:
            client.check([harness.open_job])
        except BaseException as exc:  # the test looks at whatever came out
            errors.append(exc)

    worker = threading.Thread(target=poll)
    worker.start()
    try:
        # Inside the request: wait for the server to have it (an event, not a guessed sleep).
        waited_until = time.monotonic() + 10
        while faults.total_requests == 0 and time.monotonic() < waited_until:
            time.sleep(0.005)
        assert faults.total_requests == 1 and worker.is_alive()
        threading.Thread(target=client.abandon).start()  # from another thread, as the tray does
        worker.join(timeout=5)
        assert not worker.is_alive()  # ended by abandon: the trickle would go on far longer
        (error,) = errors
        assert type(error) is TransientError and "abandoned" in str(error)

        faults.heal()
        before = faults.total_requests
        with pytest.raises(TransientError, match="abandoned"):
            client.check([harness.open_job])
        assert faults.total_requests == before  # refused before anything was sent
    finally:
        client.abandon()
        worker.join(timeout=5)
        client.close()


def test_abandon_before_any_request_sends_nothing(harness: Harness, faults: FaultServer) -> None:
    client = _client(harness, faults.base_url)
    client.abandon()
    client.abandon()  # idempotent
    with pytest.raises(TransientError, match="abandoned"):
        client.check([harness.open_job])
    client.close()
    assert faults.total_requests == 0


# ---- what the error says --------------------------------------------------------------------------------------

INVALID = "answered with an invalid HTTP response"


@pytest.mark.parametrize(
    ("fault", "wording"),
    [
        (Fault.huge_header_line(), INVALID),
        (Fault.broken_status_line(), INVALID),
        (Fault.not_http(), INVALID),
        (Fault.raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"), INVALID),
        (Fault.close(), "closed the connection without answering"),
        (Fault.truncated(), "closed the connection before the answer was complete"),
    ],
    ids=["10MB-header-line", "broken-status-line", "not-http", "bad-chunk", "closed", "truncated"],
)
def test_a_broken_answer_says_what_happened(harness: Harness, faults: FaultServer, fault: Fault, wording: str) -> None:
    faults.inject(fault)
    error = _failure(_client(harness, faults.base_url), harness.open_job)
    assert type(error) is TransientError  # the server as a whole misbehaves: retried later, for the account
    host = faults.base_url.removeprefix("http://")
    assert str(error) == f"{host} {wording}"
    assert "cannot reach" not in str(error)


def test_a_refused_connection_is_cannot_reach(harness: Harness) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        error = _failure(_client(harness, f"http://127.0.0.1:{port}"), harness.open_job)
    assert type(error) is TransientError
    assert str(error) == f"cannot reach 127.0.0.1:{port}: the connection was refused"


def test_an_unknown_host_is_cannot_reach() -> None:
    from tests.support.providers import make_harness

    harness = make_harness("pdfco")
    try:
        error = _failure(_client(harness, "http://no-such-host.invalid"), harness.open_job)
    finally:
        harness.close()
    assert str(error) == "cannot reach no-such-host.invalid: the name could not be resolved"


def test_a_reset_is_not_cannot_reach(harness: Harness, faults: FaultServer) -> None:
    faults.inject(Fault.reset())
    error = _failure(_client(harness, faults.base_url), harness.open_job)
    assert type(error) is TransientError
    assert "cannot reach" not in str(error)
    assert "reset" in str(error) or "closed the connection" in str(error)
