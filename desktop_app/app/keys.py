"""The tray's keys, read and deleted off the GUI thread (issue 18): a locked keyring's unlock prompt must never
freeze the window.

`TrayKeys.spec_for` is the supervisor's way to build an account's `PollerSpec`: an account whose key lives in the
keyring gets its read queued on the keyring thread (`workers.keyring_worker.KeyringThread`) and `KeyPending`
raised; when the reply comes, `ready(account)` tells the front to push again, and the next `spec_for` hands out
the spec (or raises the read's error, which the supervisor tells and retries with backoff as before). A key from
an environment variable needs no keyring and is read at once.

The configs of the specs read are kept (`config_for`): the outbox's downloads from a provider's own host use them,
so saving a result never reads the keyring on the GUI thread either. Deleting a removed account's key runs there
too; a key that stays is told (`key_left`), with what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QObject, Signal

from desktop_app.core.errors import JobTrayError, SecretStoreError
from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.engine.supervisor import KeyPending
from desktop_app.system import credentials
from desktop_app.workers.keyring_worker import KeyringReply, KeyringThread

if TYPE_CHECKING:  # the specs bring in requests and the providers: imported when the first key is read
    from desktop_app.engine.poller import PollerSpec
    from desktop_app.providers.base import ProviderConfig

__all__ = ["KeyPending", "TrayKeys"]

log = logging.getLogger(__name__)


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
        self, environ: Mapping[str, str] | None = None, parent: QObject | None = None, slow_after: float = 0.5
    ) -> None:
        super().__init__(parent)
        self._environ = environ
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
        self.calls.submit(("spec", account.name), lambda: (account, poller_spec(account, env)))
        raise KeyPending(account.name)

    def config_for(self, name: str) -> ProviderConfig | None:
        """The account's provider config as last read (None: not read this session; a presigned link needs none)."""
        return self._configs.get(name)

    def forget(self, name: str) -> None:
        """The account was removed: its key in memory goes, and its keyring entry is deleted on the keyring thread."""
        self._configs.pop(name, None)
        self._specs.pop(name, None)
        self._errors.pop(name, None)
        self.calls.submit(("delete", name), lambda: credentials.delete_secret(name))

    def close(self, timeout: float = 0.0) -> bool:
        return self.calls.close(timeout)

    # ---- the account dialog's calls (engine.accounts.KeyCalls): answered in order, the GUI turning meanwhile --

    def store(self, name: str, secret: Secret) -> None:
        self._waiting_call(("store", name), lambda: credentials.store_secret(name, secret))

    def load(self, account: Account) -> Secret:
        value = self._waiting_call(("load", account.name), lambda: credentials.load_secret(account))
        assert isinstance(value, Secret)
        return value

    def delete(self, name: str) -> str | None:
        value = self._waiting_call(("delete-now", name), lambda: credentials.delete_secret(name))
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
        reply = replies[0]
        if reply.error is not None:
            if isinstance(reply.error, JobTrayError):
                raise reply.error
            log.error("a keyring call failed unexpectedly", exc_info=reply.error)
            raise SecretStoreError(f"the keyring failed ({type(reply.error).__name__})")
        return reply.value

    # ---- internals ---------------------------------------------------------------------------------------------

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
