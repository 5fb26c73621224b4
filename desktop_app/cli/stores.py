"""Opening the store for a command: one place, so that a command module of its own (cli/pending.py, cli/ack.py...)
needs nothing of cli/commands.py (which imports them to register their parsers: importing it back was a circle)."""

from __future__ import annotations

import argparse

from desktop_app.cli.output import Output
from desktop_app.store.database import Store, data_dir


def open_store(args: argparse.Namespace, io: Output | None = None) -> Store:
    """The store of `--data-dir` (or the default folder), with a recovery warning and the folder's own providers."""
    store = Store(data_dir(args.data_dir))
    if store.recovery_message and io is not None:
        io.warn(f"warning: {store.recovery_message}")
    from desktop_app.cli.providers import learn_definitions

    learn_definitions(store.folder, io)  # the providers defined in this data folder's providers/
    return store
