"""Keyring backends for a child process, chosen there by name through PYTHON_KEYRING_BACKEND (the tray's keyring
child, desktop_app/system/keyring_child.py, inherits the environment): a collection locked for good, and one whose
unlock prompt nobody answers."""

from __future__ import annotations

import threading

from tests.support.locked_keyring import LockedKeyring


class AlwaysLocked(LockedKeyring):
    def __init__(self) -> None:
        super().__init__()
        self.locked = True


class NeverAnswers(LockedKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        threading.Event().wait()  # an unlock prompt left open
        return None
