"""Shared fixtures: isolated data folders, a test-only keyring, and real simulators on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.simulators.encodingcom import EncodingComSimulator
from desktop_app.simulators.ipaper import IPaperSimulator
from desktop_app.simulators.scriptx import ScriptXSimulator
from desktop_app.simulators.server import Simulator, SimulatorServer, serve
from desktop_app.store.database import Store
from tests import markers

PDFCO_KEY = "test-pdfco-key-5f1c9a"
IPAPER_KEY = "test-ipaper-key-7d21"
SCRIPTX_LICENCE = "13598d2f-8724-467b-ae64-6e53e9e9f644"
ENCODINGCOM_USERID = "48151"
ENCODINGCOM_KEY = "test-encodingcom-key-c0ffee"

S = TypeVar("S", bound=Simulator)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    markers.mark_by_what_they_start(items)
    if markers.is_fast_unit_run(config):
        markers.leave_out_slow_kinds(config, items)


def pytest_report_header(config: pytest.Config) -> str | None:
    if markers.is_fast_unit_run(config):
        return (
            "pytest tests/unit: tests marked " + ", ".join(markers.FAST_UNIT_SKIPS) + " are left out (tests/markers.py)"
        )
    return None


@pytest.fixture(autouse=True)
def _fast_unit_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In `pytest tests/unit`, a test that starts a server or a process anyway fails, naming the marker it needs."""
    if markers.is_fast_unit_run(request.config):
        markers.guard_fast_unit_test(monkeypatch)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME, XDG folders and data dir, and a plaintext keyring inside them.

    The plaintext keyring is for tests only (the app never defaults to it); it lives outside the data folder so
    that "no byte of the key in the data folder" checks stay meaningful.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    data = tmp_path / "data"
    monkeypatch.setenv("JOBTRAY_DATA_DIR", str(data))
    return data


@pytest.fixture
def short_runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An XDG_RUNTIME_DIR (0700) with a short path, for tests whose sockets go into it.

    A Unix socket path has at most 107 bytes; a tmp_path under pytest-xdist (`.../popen-gw0/test_<30 chars>0/`)
    leaves too little of that for the tray's `jobtray-<user>-<hash>` socket, and listen() then fails.
    """
    folder = Path(tempfile.mkdtemp(prefix="jt-run-"))  # mkdtemp: 0700, as the XDG spec wants
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def data_dir(isolated_env: Path) -> Path:
    return isolated_env


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    with Store(data_dir) as opened:
        yield opened


def _served(sim: S) -> Iterator[tuple[S, SimulatorServer]]:
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()


@pytest.fixture
def pdfco_simulator() -> Iterator[tuple[pdfco_sim.PdfCoSimulator, SimulatorServer]]:
    yield from _served(pdfco_sim.PdfCoSimulator(PDFCO_KEY))


@pytest.fixture
def ipaper_simulator() -> Iterator[tuple[IPaperSimulator, SimulatorServer]]:
    yield from _served(IPaperSimulator(IPAPER_KEY))


@pytest.fixture
def scriptx_simulator() -> Iterator[tuple[ScriptXSimulator, SimulatorServer]]:
    yield from _served(ScriptXSimulator(SCRIPTX_LICENCE))


@pytest.fixture
def encodingcom_simulator() -> Iterator[tuple[EncodingComSimulator, SimulatorServer]]:
    yield from _served(EncodingComSimulator(ENCODINGCOM_USERID, ENCODINGCOM_KEY))


def subprocess_env(**extra: str) -> dict[str, str]:
    """The current (isolated) environment for a child `jobtray` process."""
    env = dict(os.environ)
    env.update(extra)
    return env
