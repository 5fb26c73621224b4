"""`jobtray forward add|list|remove|test` (issue 21): URLs kept like keys (keyring or environment), never in the
database or `settings --json`; a test message reaches a real receiver on 127.0.0.1."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from desktop_app.store.db import DB_FILENAME
from tests.support.cli import run_cli
from tests.support.receiver import Receiver, receiving

TOKEN = "tk_f0rw4rd_5ecret"


@pytest.fixture
def receiver() -> Receiver:  # type: ignore[misc]
    with receiving("ok") as r:
        yield r


def _database_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.glob(f"{DB_FILENAME}*"))


def test_add_from_stdin_list_test_and_remove(
    data_dir: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"json://user:{TOKEN}@127.0.0.1:{receiver.port}/hook"
    monkeypatch.setattr("sys.stdin", io.StringIO(url + "\n"))
    code, out, err = run_cli("forward", "add", "phone", "--url-stdin")
    assert code == 0, err
    assert out.strip() == "added forward phone for every account; its URL is read from the system keyring"
    code, out, _ = run_cli("forward", "list", "--json")
    (row,) = json.loads(out)
    assert row == {
        "name": "phone",
        "account": None,
        "url_source": "keyring",
        "url_env": None,
        "with_link": False,
        "problem": None,
    }
    code, out, err = run_cli("forward", "test", "phone")
    assert code == 0, err
    assert out.strip() == "sent a test to forward phone"
    (got,) = receiver.wait_for(1)
    assert got.body["title"] == "JobTray test"
    code, out, _ = run_cli("settings", "--json")
    assert TOKEN not in out and TOKEN.encode() not in _database_bytes(data_dir)
    code, out, _ = run_cli("forward", "remove", "phone")
    assert out.strip() == "removed forward phone"
    code, out, _ = run_cli("forward", "list")
    assert out.startswith("no forwards yet")


def test_a_url_argument_warns_and_env_targets_name_their_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_cli("forward", "add", "chat", f"ntfy://127.0.0.1:9/{TOKEN}")
    assert code == 0
    assert "process list" in err and TOKEN not in err
    monkeypatch.delenv("MY_NTFY", raising=False)
    run_cli("account", "add", "acme", "--provider", "pdfco", "--key-env", "PDFCO_KEY")
    code, out, err = run_cli("forward", "add", "team", "--url-env", "MY_NTFY", "--account", "acme", "--with-link")
    assert code == 0
    assert "MY_NTFY is not set" in err  # a problem shown, not a silence
    code, out, _ = run_cli("forward", "list")
    lines = out.splitlines()
    assert lines[0] == "chat\t(all accounts)\tkeyring"
    assert lines[1] == "team\tacme\tenv:MY_NTFY\twith link\tenvironment variable MY_NTFY is not set"
    code, _, err = run_cli("forward", "test", "team")
    assert code == 2 and "MY_NTFY is not set" in err
    assert TOKEN.encode() not in _database_bytes(data_dir)


def test_bad_input_is_refused(data_dir: Path) -> None:
    code, _, err = run_cli("forward", "add", "x", "ntfy://h/t", "--url-env", "A")
    assert code == 2 and "one way" in err
    code, _, err = run_cli("forward", "add", "bad name", "--url-env", "A")
    assert code == 2 and "not a forward name" in err
    code, _, err = run_cli("forward", "add", "x", "not-a-url")
    assert code == 2 and "not an apprise URL" in err and "not-a-url" not in err
    code, _, err = run_cli("forward", "add", "x", "nosuchservice://abc/def")
    assert code == 2 and "does not know" in err
    code, _, err = run_cli("forward", "add", "x", "--url-env", "A", "--account", "ghost")
    assert code == 2 and "no account named" in err
    run_cli("forward", "add", "x", "--url-env", "A")
    code, _, err = run_cli("forward", "add", "x", "--url-env", "B")
    assert code == 2 and "exists already" in err
