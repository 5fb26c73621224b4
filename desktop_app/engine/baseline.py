"""Discovery's baseline look taken at once for a stored account (`account add/edit --discover`): its own key and
provider client, on the caller's thread (the CLI's, which may use the keyring).

Apart from engine/discovery.py because it builds a poller's spec (engine/specs.py), which imports the poller, which
imports discovery: inside discovery.py that was an import circle.
"""

from __future__ import annotations

from desktop_app.core.errors import JobTrayError
from desktop_app.engine.discovery import take_baseline
from desktop_app.engine.specs import poller_spec
from desktop_app.store.database import Store


def take_baseline_now(store: Store, name: str) -> str | None:
    """`take_baseline` for a stored account, with its own key and provider client (on the thread that may use the
    keyring: the CLI's). None when taken, else why not, in one line."""
    account = store.accounts.get(name)
    try:
        provider = poller_spec(account).make_provider()
    except JobTrayError as exc:
        store.discovery.note_switch_on_look_failed(account.name)
        return str(exc)
    try:
        return take_baseline(store, account, provider)
    finally:
        provider.close()
