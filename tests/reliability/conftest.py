"""Fixtures for the reliability tests: a harness per provider, the fault server in front of it, the other host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fault_server import FaultServer, RecordingServer
from tests.support.providers import PROVIDER_NAMES, Harness, make_harness


@pytest.fixture(params=PROVIDER_NAMES)
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    made = make_harness(request.param)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def faults(harness: Harness) -> Iterator[FaultServer]:
    with FaultServer(harness.handler) as server:
        yield server


@pytest.fixture
def other_host() -> Iterator[RecordingServer]:
    """A second server, reached by another host name: a redirect target that must never hear from us."""
    with RecordingServer() as server:
        yield server


def other_host_url(server: RecordingServer) -> str:
    return server.base_url.replace("127.0.0.1", "localhost") + "/collect"
