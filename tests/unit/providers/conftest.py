"""Real simulators on 127.0.0.1 for the provider tests, one per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_app.simulators.encodingcom import EncodingComSimulator
from desktop_app.simulators.ipaper import IPaperSimulator
from desktop_app.simulators.scriptx import ScriptXSimulator
from desktop_app.simulators.server import SimulatorServer, serve

IPAPER_KEY = "test-ipaper-key-7d21"
SCRIPTX_LICENCE = "13598d2f-8724-467b-ae64-6e53e9e9f644"
ENCODINGCOM_USERID = "48151"
ENCODINGCOM_KEY = "test-encodingcom-key-c0ffee"


@pytest.fixture
def ipaper_simulator() -> Iterator[tuple[IPaperSimulator, SimulatorServer]]:
    sim = IPaperSimulator(IPAPER_KEY)
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()


@pytest.fixture
def scriptx_simulator() -> Iterator[tuple[ScriptXSimulator, SimulatorServer]]:
    sim = ScriptXSimulator(SCRIPTX_LICENCE)
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()


@pytest.fixture
def encodingcom_simulator() -> Iterator[tuple[EncodingComSimulator, SimulatorServer]]:
    sim = EncodingComSimulator(ENCODINGCOM_USERID, ENCODINGCOM_KEY)
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()
