"""A real keyring backend for tests: like a Secret Service collection that is locked at login. While `locked` is
True every read raises keyring's own KeyringLocked, as gnome-keyring's backend does ("Prompt dismissed")."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class LockedKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]  # chosen explicitly by the tests, never by keyring itself

    def __init__(self) -> None:
        super().__init__()
        self.locked = False
        self._values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("the collection is locked")
        return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.locked:
            raise KeyringLocked("the collection is locked")
        self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._values.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")
