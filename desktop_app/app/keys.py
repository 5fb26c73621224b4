"""The tray's keys, read and deleted off the GUI thread (issue 18): a locked keyring's unlock prompt must never
freeze the window.

`TrayKeys.spec_for` is the supervisor's way to build an account's `PollerSpec`: an account whose key lives in the
keyring gets its read queued on the keyring thread (`workers.keyring_worker.KeyringThread`) and `KeyPending`
raised; when the reply comes, `ready(account)` tells the front to push again, and the next `spec_for` hands out
the spec (or raises the read's error, which the supervisor tells and retries with backoff as before). A key from
an environment variable needs no keyring and is read at once.

Where the keyring is asked (`secrets`): in a short-lived child process (`system.keyring_child`), so that the tray
never imports `keyring` (3-14 MB resident for one read at start, issue 19); the child is awaited on the keyring
thread, never on the GUI thread. Reads asked for together go to one child. A process that has `keyring` loaded
already (a test that set its own backend with `keyring.set_keyring`, the CLI) keeps asking it in-process: there is
nothing to save, and the backend it chose is the one asked.

The configs of the specs read are kept (`config_for`): the outbox's downloads from a provider's own host use them,
so saving a result never reads the keyring on the GUI thread either. Deleting a removed account's key runs there
too; a key that stays is told (`key_left`), with what to do.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QEventLoop, QObject, Signal

from desktop_app.core.errors import JobTrayError, SecretStoreError
from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.engine.supervisor import KeyPending
from desktop_app.system import credentials
from desktop_app.system.keyring_child import KeyringChild
from desktop_app.workers.keyring_worker import KeyringReply, KeyringThread

if TYPE_CHECKING:  # the specs bring in requests and the providers: imported when the first key is read
    from desktop_app.engine.poller import PollerSpec
    from desktop_app.providers.base import ProviderConfig

__all__ = ["InProcessSecrets", "KeyPending", "KeySecrets", "TrayKeys", "default_secrets"]

log = logging.getLogger(__name__)


class KeySecrets(Protocol):
    """Where the keyring calls go; every method is called on the keyring thread."""

    def read(self, names: Iterable[str]) -> dict[str, Secret | JobTrayError]: ...

    def store(self, name: str, secret: Secret) -> None: ...

    def delete(self, name: str) -> str | None: ...

    def kill(self) -> None: ...


class InProcessSecrets:
    """The keyring asked in this process (`credentials`), for a process that has `keyring` loaded already."""

    def read(self, names: Iterable[str]) -> dict[str, Secret | JobTrayError]:
        found: dict[str, Secret | JobTrayError] = {}
        for name in names:
            try:
                found[name] = credentials.read_keyring_secret(name)
            except JobTrayError as exc:
                found[name] = exc
        return found

    def store(self, name: str, secret: Secret) -> None:
        credentials.store_secret(name, secret)

    def delete(self, name: str) -> str | None:
        return credentials.delete_secret(name)

    def kill(self) -> None:
        return None


def default_secrets() -> KeySecrets:
    """A child process for the keyring, unless this process has `keyring` loaded already (see the docstring)."""
    return InProcessSecrets() if "keyring" in sys.modules else KeyringChild()


class TrayKeys(QObject):
    """See the module docstring.

    Signals:
        ready(str): the key read of this account ended (spec or error): push again.
        waiting(bool): a keyring call is taking long (a locked keyring waiting for its unlock), or is over.
        key_left(str, str): a removed account's key could not be deleted: (account, what to do).
    """

    ready = Signal(str)
    waiting = Signal(bool)
    key_left = Signal(str, str)

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        parent: QObject | None = None,
        slow_after: float = 0.5,
        secrets: KeySecrets | None = None,
    ) -> None:
        super().__init__(parent)
        self._environ = environ
        self.secrets = secrets if secrets is not None else default_secrets()
        # Reads asked for and not made yet: the first of them to run reads them all (one child for all).
        self._batch_lock = threading.Lock()
        self._wanted: set[str] = set()
        self._fetched: dict[str, Secret | JobTrayError] = {}
        self.calls = KeyringThread(self, slow_after=slow_after)
        self.calls.replied.connect(self._on_reply)
        self.calls.waiting.connect(self.waiting)
        self._specs: dict[str, tuple[Account, PollerSpec]] = {}  # read, not handed out yet
        self._errors: dict[str, JobTrayError] = {}  # failed reads, for whichever version of the account asks next
        self._configs: dict[str, ProviderConfig] = {}

    def spec_for(self, account: Account, environ: Mapping[str, str] | None = None) -> PollerSpec:
        """The account's spec now (its key from the environment, or read already), else KeyPending."""
        from desktop_app.engine.specs import poller_spec

        env = environ if environ is not None else self._environ
        if account.key_source != KeySource.KEYRING:
            return self._remember(poller_spec(account, env))
        error = self._errors.pop(account.name, None)
        if error is not None:
            raise error
        read = self._specs.pop(account.name, None)
        if read is not None and read[0] == account:
            return self._remember(read[1])
        # Not asked yet, or asked for the account as it was before an edit: ask (once) now.
        with self._batch_lock:
            self._wanted.add(account.name)
        if not self.calls.submit(("spec", account.name), lambda: (account, self._read_spec(account, env))):
            with self._batch_lock:  # asked already: that call reads it
                self._wanted.discard(account.name)
        raise KeyPending(account.name)

    def config_for(self, name: str) -> ProviderConfig | None:
        """The account's provider config as last read (None: not read this session; a presigned link needs none)."""
        return self._configs.get(name)

    def forget(self, name: str) -> None:
        """The account was removed: its key in memory goes, and its keyring entry is deleted on the keyring thread."""
        self._configs.pop(name, None)
        self._specs.pop(name, None)
        self._errors.pop(name, None)
        self.calls.submit(("delete", name), lambda: self.secrets.delete(name))

    def close(self, timeout: float = 0.0) -> bool:
        self.secrets.kill()  # a child waiting on an unlock prompt ends with us
        return self.calls.close(timeout)

    # ---- the account dialog's calls (engine.accounts.KeyCalls): answered in order, the GUI turning meanwhile --

    def store(self, name: str, secret: Secret) -> None:
        self._waiting_call(("store", name), lambda: self.secrets.store(name, secret))

    def load(self, account: Account) -> Secret:
        if account.key_source != KeySource.KEYRING:
            return credentials.load_secret(account, self._environ)
        value = self._waiting_call(("load", account.name), lambda: self._read_one(account.name))
        assert isinstance(value, Secret)
        return value

    def delete(self, name: str) -> str | None:
        value = self._waiting_call(("delete-now", name), lambda: self.secrets.delete(name))
        return value if isinstance(value, str) else None

    def _waiting_call(self, key: tuple[str, str], call: Callable[[], object]) -> object:
        """Run `call` on the keyring thread and wait for it with a local event loop: the Accounts dialog keeps its
        synchronous save (an error goes back into its editor) while the window never freezes, an unlock prompt
        included. Its error is raised here."""
        replies: list[KeyringReply] = []
        loop = QEventLoop()

        def got(reply: KeyringReply) -> None:
            if reply.key == key:
                replies.append(reply)
                loop.quit()

        self.calls.replied.connect(got)
        try:
            if not self.calls.submit(key, call):
                raise SecretStoreError("the keyring is busy with the same request; try again")
            if not replies:
                loop.exec()
        finally:
            self.calls.replied.disconnect(got)
        if not replies:  # the app quit meanwhile: its quit ends every event loop, this one included
            raise SecretStoreError("JobTray is quitting; the keyring call was not finished")
        reply = replies[0]
        if reply.error is not None:
            if isinstance(reply.error, JobTrayError):
                raise reply.error
            log.error("a keyring call failed unexpectedly", exc_info=reply.error)
            raise SecretStoreError(f"the keyring failed ({type(reply.error).__name__})")
        return reply.value

    # ---- internals ---------------------------------------------------------------------------------------------

    def _read_spec(self, account: Account, environ: Mapping[str, str] | None) -> PollerSpec:
        """On the keyring thread: the account's key (read with every other read asked for), then its spec."""
        from desktop_app.engine.specs import poller_spec

        with self._batch_lock:
            found = self._fetched.pop(account.name, None)
            names = set() if found is not None else {*self._wanted, account.name}
            self._wanted.difference_update(names)
        if found is None:
            read = self.secrets.read(names)
            found = read.pop(account.name)
            with self._batch_lock:
                self._fetched.update(read)  # each taken by its own call, queued behind this one
        if isinstance(found, JobTrayError):
            raise found
        return poller_spec(account, environ, secret=found)

    def _read_one(self, name: str) -> Secret:
        found = self.secrets.read([name])[name]
        if isinstance(found, JobTrayError):
            raise found
        return found

    def _remember(self, spec: PollerSpec) -> PollerSpec:
        self._configs[spec.account] = spec.config
        return spec

    def _on_reply(self, reply: KeyringReply) -> None:
        kind, name = reply.key if isinstance(reply.key, tuple) else ("", "")
        name = str(name)
        if kind == "delete":
            if reply.error is not None:
                log.error("deleting the key of %s failed unexpectedly", name, exc_info=reply.error)
            elif reply.value:
                log.warning("%s", reply.value)
                self.key_left.emit(name, str(reply.value))
            return
        if kind != "spec":
            return
        if reply.error is not None:
            error = reply.error
            if not isinstance(error, JobTrayError):  # a bug or a backend's odd exception: told, retried with backoff
                log.error("reading the key of %s failed unexpectedly", name, exc_info=error)
                error = SecretStoreError(f"account {name!r}: the keyring failed ({type(error).__name__})")
            self._errors[name] = error
        else:
            account, spec = reply.value
            self._specs[name] = (account, spec)
        self.ready.emit(name)
