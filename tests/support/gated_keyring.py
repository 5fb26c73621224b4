"""A real keyring backend for tests whose calls wait at a gate, as a locked Secret Service waits for its unlock
prompt; it records which thread made each call, and can refuse to delete an entry it holds."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class GatedKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]  # chosen explicitly by the tests, never by keyring itself

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()  # open: calls go through at once
        self.entered = threading.Event()  # a call is waiting at the closed gate
        self.refuse_delete = False
        self.threads: list[str] = []
        self._values: dict[tuple[str, str], str] = {}

    def _wait(self) -> None:
        self.threads.append(threading.current_thread().name)
        self.entered.set()
        if not self.gate.wait(30.0):
            raise KeyringLocked("nobody unlocked the keyring")

    def get_password(self, service: str, username: str) -> str | None:
        self._wait()
        return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._wait()
        self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._wait()
        if self.refuse_delete:
            raise KeyringLocked("the collection is locked")
        if self._values.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")
