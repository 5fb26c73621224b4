"""The tray's keyring calls in a short-lived child process, so that the tray itself never imports `keyring`.

`keyring` brings importlib_metadata, jaraco.context (urllib.request, tarfile) and, on a desktop, its backends'
D-Bus stack along: 3-14 MB that would stay resident in the tray for the process's life for one read at start
(issue 19). The child (`python -m desktop_app.system.keyring_child`, or the frozen app with `KEYRING_CHILD_ARG`)
imports it, makes the calls it was asked for, writes one JSON reply to its stdout and exits; its memory goes with
it. The request (with a new key to store) goes in on its stdin, the keys come back on its stdout: a secret never
appears in argv or the environment, which other processes can read.

The answers are `credentials`' own: a read that fails raises the same SecretStoreError (no keyring, locked, not
there) it raises in-process, with the same words. The child inherits the environment (the session's D-Bus, a
deliberately chosen PYTHON_KEYRING_BACKEND), so it asks the same keyring the tray would.

`KeyringChild`'s calls block their caller until the child answers (an unlock prompt may take as long as the person
takes): call them off the GUI thread (the tray's keyring thread, `workers.keyring_worker`). `kill()` ends a child
still waiting, e.g. at quit.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from desktop_app.core.errors import ConfigError, JobTrayError, SecretStoreError
from desktop_app.core.model import Secret
from desktop_app.system.logs import register_secret

log = logging.getLogger(__name__)

KEYRING_CHILD_ARG = "--jobtray-keyring-child"  # the frozen app's way in (packaging/entry.py)
MODULE = "desktop_app.system.keyring_child"
_ERRORS: dict[str, type[JobTrayError]] = {"SecretStoreError": SecretStoreError, "ConfigError": ConfigError}


def child_command() -> list[str]:
    """How to start the child: this Python with `-m`, or the frozen executable with its argument."""
    if getattr(sys, "frozen", False):
        return [sys.executable, KEYRING_CHILD_ARG]
    return [sys.executable, "-m", MODULE]


class KeyringChild:
    """Keyring calls, each in a child process of its own (see the module docstring). One call at a time."""

    def __init__(self, command: Sequence[str] | None = None) -> None:
        self._command = list(command) if command is not None else child_command()
        self._lock = threading.Lock()
        self._running: subprocess.Popen[bytes] | None = None
        self._killed = False

    def read(self, names: Iterable[str]) -> dict[str, Secret | JobTrayError]:
        """The keys of these accounts (one child for all): each a Secret, or the error reading it raised."""
        wanted = sorted(set(names))
        reply = self._call({"op": "read", "names": wanted})
        keys = reply.get("keys")
        if not isinstance(keys, dict):
            raise SecretStoreError("the keyring reader gave no answer")
        found: dict[str, Secret | JobTrayError] = {}
        for name in wanted:
            answer = keys.get(name)
            if isinstance(answer, dict) and isinstance(answer.get("value"), str):
                register_secret(answer["value"])  # our logs hide it, as when it is read in-process
                found[name] = Secret(answer["value"])
            else:
                found[name] = _error(answer, name)
        return found

    def store(self, name: str, secret: Secret) -> None:
        reply = self._call({"op": "store", "name": name, "secret": secret.reveal()})
        if reply.get("ok") is not True:
            raise _error(reply, name)

    def delete(self, name: str) -> str | None:
        """`credentials.delete_secret`'s answer: None (gone), or the line saying what to do about a key that stays."""
        reply = self._call({"op": "delete", "name": name})
        if "left" not in reply:
            raise _error(reply, name)
        left = reply["left"]
        return left if isinstance(left, str) else None

    @property
    def running_pid(self) -> int | None:
        """The child in flight's process id (None: no call is running)."""
        with self._lock:
            return self._running.pid if self._running is not None else None

    def kill(self) -> None:
        """End a child that is still waiting (an unlock prompt nobody answers) and refuse further calls."""
        with self._lock:
            self._killed = True
            running = self._running
        if running is not None and running.poll() is None:
            running.kill()

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._killed:
                raise SecretStoreError("the keyring reader was stopped (JobTray is quitting)")
            try:
                process = subprocess.Popen(
                    self._command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    # `-m` finds the package from its own folder, wherever the tray was started from.
                    cwd=str(Path(__file__).resolve().parents[2]),
                )
            except OSError as exc:
                raise SecretStoreError(f"the keyring reader could not start ({type(exc).__name__})") from None
            self._running = process
        try:
            out, err = process.communicate(json.dumps(request).encode())
        finally:
            with self._lock:
                self._running = None
        lines = out.decode("utf-8", "replace").strip().splitlines()
        try:
            reply = json.loads(lines[-1]) if lines else None
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            # Never log its output: it may hold a key. Its error output is Python's own (a traceback).
            log.warning(
                "the keyring reader ended without an answer (exit %s): %s",
                process.returncode,
                err.decode("utf-8", "replace")[-500:],
            )
            raise SecretStoreError(f"the keyring reader ended without an answer (exit {process.returncode})")
        return reply


def _error(answer: object, name: str) -> JobTrayError:
    if isinstance(answer, dict) and answer.get("error") in _ERRORS and isinstance(answer.get("message"), str):
        return _ERRORS[answer["error"]](answer["message"])
    kind = answer.get("message") if isinstance(answer, dict) else None
    return SecretStoreError(f"account {name!r}: the keyring failed ({kind or 'no answer'})")


# ---- the child ---------------------------------------------------------------------------------------------------


def _as_reply(exc: Exception) -> dict[str, str]:
    if isinstance(exc, JobTrayError) and type(exc).__name__ in _ERRORS:
        return {"error": type(exc).__name__, "message": str(exc)}
    # Never str(exc): a backend could echo what it was given.
    return {"error": "unexpected", "message": type(exc).__name__}


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """One request's reply, in this process (the child's work; `credentials` does the calls)."""
    from desktop_app.system import credentials

    op = request.get("op")
    if op == "read":
        keys: dict[str, dict[str, str]] = {}
        for name in request.get("names", []):
            try:
                keys[name] = {"value": credentials.read_keyring_secret(str(name)).reveal()}
            except Exception as exc:
                keys[name] = _as_reply(exc)
        return {"keys": keys}
    if op == "store":
        try:
            credentials.store_secret(str(request["name"]), Secret(str(request["secret"])))
        except Exception as exc:
            return _as_reply(exc)
        return {"ok": True}
    if op == "delete":
        try:
            return {"left": credentials.delete_secret(str(request["name"]))}
        except Exception as exc:
            return _as_reply(exc)
    return {"error": "unexpected", "message": f"unknown request {op!r}"}


def main() -> int:
    """Read one request from stdin, write its reply to stdout as one line."""
    try:
        request = json.loads(sys.stdin.buffer.read() or b"{}")
        reply = answer(request) if isinstance(request, dict) else {"error": "unexpected", "message": "not a request"}
    except Exception as exc:
        reply = _as_reply(exc)
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
