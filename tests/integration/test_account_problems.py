"""Issue 23: an account that cannot be checked is a problem, not work in progress: recorded in the store
(accounts.problem, problem_kind), shown by `account list` and `list` (text and --json), cleared by a good answer."""

from __future__ import annotations

import json

import pytest

from desktop_app.core.errors import (
    AuthError,
    ConfigError,
    ProtocolError,
    QuotaExhausted,
    RateLimited,
    SecretStoreError,
    TransientError,
)
from desktop_app.core.problems import LONG_RATE_LIMIT_S, ProblemKind, problem_kind
from desktop_app.simulators import pdfco
from desktop_app.simulators.server import SimulatorServer
from desktop_app.store.database import Store
from tests.conftest import PDFCO_KEY
from tests.support.cli import run_cli


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ConfigError("account 'w': environment variable W_KEY is not set"), ProblemKind.NO_KEY),
        (SecretStoreError("account 'w': its key is not in the keyring; add the account again"), ProblemKind.NO_KEY),
        (SecretStoreError("account 'w': the keyring is locked"), ProblemKind.KEYRING_LOCKED),
        (AuthError("Unauthorized: invalid API key"), ProblemKind.WRONG_KEY),
        (QuotaExhausted("no credits left"), ProblemKind.NO_CREDITS),
        (TransientError("cannot reach api.pdf.co: the name could not be resolved"), ProblemKind.UNREACHABLE),
        (RateLimited("slow down", retry_after=LONG_RATE_LIMIT_S), ProblemKind.RATE_LIMITED),
        (RateLimited("slow down", retry_after=30), None),  # passes by itself
        (TransientError("api.pdf.co answered 503"), None),
        (ProtocolError("an answer we cannot read"), None),
    ],
)
def test_which_errors_are_problems(error: Exception, kind: ProblemKind | None) -> None:
    assert problem_kind(error) == kind  # type: ignore[arg-type]


def _add(server: SimulatorServer, env: str = "WORK_PDFCO_KEY") -> None:
    args = ["account", "add", "work", "--provider", "pdfco", "--base-url", server.base_url]
    code, _, err = run_cli(*args, "--key-env", env)
    assert code == 0, err


def test_an_unset_key_is_a_problem_everywhere_until_a_check_succeeds(
    monkeypatch: pytest.MonkeyPatch,
    pdfco_simulator: tuple[pdfco.PdfCoSimulator, SimulatorServer],
    data_dir,
) -> None:
    sim, server = pdfco_simulator
    monkeypatch.delenv("WORK_PDFCO_KEY", raising=False)
    _add(server)
    job = sim.add_job([pdfco.working()])
    assert run_cli("add", "--account", "work", job)[0] == 0
    assert run_cli("poll")[0] == 2

    [account] = json.loads(run_cli("account", "list", "--json")[1])
    assert account["problem"]["kind"] == "no_key"
    assert account["problem"]["action"] == "Set the key"
    assert "WORK_PDFCO_KEY is not set" in account["problem"]["message"]
    assert "problem: key not set" in run_cli("account", "list")[1]
    [row] = json.loads(run_cli("list", "--json")[1])
    assert row["state"] == "queued"  # the state stays what it is, the problem beside it
    assert row["problem"]["kind"] == "no_key" and row["problem"]["waiting"] == "key not set"
    assert "queued · waiting: key not set" in run_cli("list")[1]

    monkeypatch.setenv("WORK_PDFCO_KEY", PDFCO_KEY)
    assert run_cli("poll")[0] == 0
    [account] = json.loads(run_cli("account", "list", "--json")[1])
    assert account["problem"] is None
    [row] = json.loads(run_cli("list", "--json")[1])
    assert row["problem"] is None and row["state"] == "running"
    assert "waiting" not in run_cli("list")[1]
    with Store(data_dir) as store:
        assert store.accounts.problems() == {}


def test_a_wrong_key_is_a_problem_named_as_such(
    monkeypatch: pytest.MonkeyPatch, pdfco_simulator: tuple[pdfco.PdfCoSimulator, SimulatorServer], data_dir
) -> None:
    sim, server = pdfco_simulator
    monkeypatch.setenv("WORK_PDFCO_KEY", "not-the-key")
    _add(server)
    assert run_cli("add", "--account", "work", sim.add_job([pdfco.working()]))[0] == 0
    assert run_cli("poll")[0] == 2
    with Store(data_dir) as store:
        [problem] = store.accounts.problems().values()
    assert problem.kind == ProblemKind.WRONG_KEY and problem.action == "Edit the account"
    assert "not-the-key" not in problem.message


def test_a_locked_keyring_is_a_problem_until_it_unlocks(
    pdfco_simulator: tuple[pdfco.PdfCoSimulator, SimulatorServer], data_dir
) -> None:
    import keyring

    from desktop_app.core.model import KeySource, Secret
    from desktop_app.engine.accounts import AccountDraft, AccountService
    from tests.support.locked_keyring import LockedKeyring

    sim, server = pdfco_simulator
    backend = LockedKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with Store(data_dir) as store:
            draft = AccountDraft("work", "pdfco", KeySource.KEYRING, base_url=server.base_url)
            AccountService(store).add(draft, Secret(PDFCO_KEY))
        assert run_cli("add", "--account", "work", sim.add_job([pdfco.working()]))[0] == 0
        backend.locked = True
        assert run_cli("poll")[0] == 2
        [account] = json.loads(run_cli("account", "list", "--json")[1])
        assert account["problem"]["kind"] == "keyring_locked"
        assert account["problem"]["action"] == "Unlock the keyring"
        backend.locked = False
        assert run_cli("poll")[0] == 0
        [account] = json.loads(run_cli("account", "list", "--json")[1])
        assert account["problem"] is None
    finally:
        keyring.set_keyring(previous)
