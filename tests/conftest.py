"""Shared fixtures: isolated data folders, a test-only keyring, and real simulators on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.simulators import pdfco as pdfco_sim
from desktop_app.simulators.server import SimulatorServer, serve
from desktop_app.store.database import Store

PDFCO_KEY = "test-pdfco-key-5f1c9a"


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
def data_dir(isolated_env: Path) -> Path:
    return isolated_env


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    with Store(data_dir) as opened:
        yield opened


@pytest.fixture
def pdfco_simulator() -> Iterator[tuple[pdfco_sim.PdfCoSimulator, SimulatorServer]]:
    sim = pdfco_sim.PdfCoSimulator(PDFCO_KEY)
    server = serve(sim)
    try:
        yield sim, server
    finally:
        server.stop()


def subprocess_env(**extra: str) -> dict[str, str]:
    """The current (isolated) environment for a child `jobtray` process."""
    env = dict(os.environ)
    env.update(extra)
    return env
