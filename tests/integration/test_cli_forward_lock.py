"""`jobtray forward add` does not hold the database's write lock while the keyring is asked (a locked keyring waits
for its unlock prompt, maybe for minutes): the tray and other commands go on writing meanwhile. A name already
taken is still refused before the keyring is touched, and a refused keyring still adds nothing."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

from desktop_app.store.database import Store
from desktop_app.store.db import DB_FILENAME
from tests.support.cli import run_cli

URL = "json://127.0.0.1:9/hook_5ecret_t0ken"


class _WriterKeyring(KeyringBackend):
    """A real backend that, while it is asked, has another connection try to write the database at once."""

    priority = 1

    def __init__(self, database: Path) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.database = database
        self.others_could_write: list[bool] = []
        self.refuse = False
        self.values: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        other = sqlite3.connect(self.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            self.others_could_write.append(True)
        except sqlite3.OperationalError:
            self.others_could_write.append(False)
        finally:
            other.close()
        if self.refuse:
            raise KeyringLocked("nobody unlocked the keyring")
        self.values[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


@pytest.fixture
def backend(data_dir: Path) -> Iterator[_WriterKeyring]:
    Store(data_dir).close()  # the database exists before the keyring is asked
    previous = keyring.get_keyring()
    writer = _WriterKeyring(data_dir / DB_FILENAME)
    keyring.set_keyring(writer)
    try:
        yield writer
    finally:
        keyring.set_keyring(previous)


def _add(data_dir: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(URL + "\n"))
    code, _out, err = run_cli("--data-dir", str(data_dir), "forward", "add", name, "--url-stdin")
    return code, err


def test_the_keyring_is_asked_without_the_write_lock(
    data_dir: Path, backend: _WriterKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, err = _add(data_dir, "phone", monkeypatch)
    assert code == 0, err
    assert backend.others_could_write == [True]
    with Store(data_dir) as store:
        assert [t.name for t in store.forwards.all()] == ["phone"]


def test_a_taken_name_is_refused_before_the_keyring_and_a_refusal_adds_nothing(
    data_dir: Path, backend: _WriterKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _add(data_dir, "phone", monkeypatch)[0] == 0
    code, err = _add(data_dir, "phone", monkeypatch)
    assert code != 0 and "exists already" in err
    assert len(backend.others_could_write) == 1  # the keyring was not asked the second time
    backend.refuse = True
    code, err = _add(data_dir, "tablet", monkeypatch)
    assert code != 0 and "keyring" in err
    with Store(data_dir) as store:
        assert [t.name for t in store.forwards.all()] == ["phone"]
