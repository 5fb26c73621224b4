"""Issue 23, words where they help: `account add --key-env VAR` with VAR unset says so and adds the account; an
error names the account once; `jobtray simulate`'s printed lines work as printed with no Secret Service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.simulators import launcher, pdfco
from desktop_app.simulators.server import SimulatorServer
from tests.conftest import PDFCO_KEY, subprocess_env
from tests.support.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_adding_an_account_whose_key_variable_is_unset_warns_naming_it_and_adds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WORK_PDFCO_KEY", raising=False)
    code, out, err = run_cli("account", "add", "work", "--provider", "pdfco", "--key-env", "WORK_PDFCO_KEY")
    assert code == 0, err
    assert "added account work" in out
    [warning] = [line for line in err.splitlines() if line.strip()]
    assert "warning: environment variable WORK_PDFCO_KEY is not set here" in warning
    monkeypatch.setenv("WORK_PDFCO_KEY", "set-now")
    code, out, err = run_cli("account", "add", "home", "--provider", "pdfco", "--key-env", "WORK_PDFCO_KEY")
    assert code == 0 and err == ""  # set: nothing to say


def test_an_unset_key_is_told_with_the_account_named_once(
    monkeypatch: pytest.MonkeyPatch, pdfco_simulator: tuple[pdfco.PdfCoSimulator, SimulatorServer]
) -> None:
    sim, server = pdfco_simulator
    monkeypatch.delenv("WORK_PDFCO_KEY", raising=False)
    assert run_cli("account", "add", "work", "--provider", "pdfco", "--base-url", server.base_url,
                   "--key-env", "WORK_PDFCO_KEY")[0] == 0  # fmt: skip
    assert run_cli("add", "--account", "work", sim.add_job([pdfco.working()]))[0] == 0
    code, _out, err = run_cli("poll")
    assert code == 2
    assert "work: environment variable WORK_PDFCO_KEY is not set" in err
    assert "account 'work'" not in err and err.count("work") == 1, err


def test_simulate_s_add_lines_work_as_printed_without_a_secret_service(tmp_path: Path) -> None:
    """The printed line, run by sh as it is, with a keyring that refuses everything (a server, a container)."""
    running = launcher.start_all()
    try:
        server, samples, credentials = running["pdfco"]
        line = launcher.account_add_line("pdfco", server.base_url, credentials)
        assert "--key-stdin" not in line and "--key-env" in line
        env = subprocess_env(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # `jobtray` as installed
        env.pop(launcher.key_variable("pdfco"), None)
        script = f"{line} && jobtray add --account sim-pdfco {samples[0]} && jobtray poll"
        result = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "added account sim-pdfco" in result.stdout
        assert "not set" not in result.stderr and "keyring" not in result.stderr.lower()
    finally:
        for server, _, _ in running.values():
            server.stop()
    assert PDFCO_KEY not in line  # the demo's own key, not a test's
