"""Where the engine's background work runs: a small port, so that one owner can hold every thread of a process.

The outbox runner (`engine.outbox.OutboxRunner`) starts each row's work through a `ThreadStarter`. The CLI's
`watch`/`poll` use `PlainThreads` (a daemon `threading.Thread` each); the tray gives its `workers.pool.WorkerPool`,
so its poll workers and its downloads, commands and forwards are one pool with one quit budget and one count of
live threads. Qt-free: the engine never imports Qt or `workers/` (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol


class ThreadHandle(Protocol):
    """A started thread: `join` waits at most `timeout` seconds (None: until it ends)."""

    def join(self, timeout: float | None = None) -> None: ...

    def is_alive(self) -> bool: ...


class ThreadStarter(Protocol):
    """Starts `run` in a thread named `name`. `stop` is how the thread's owner asks that work to end soon (at a
    quit): called at most once per thread, from the owner's thread; it never blocks."""

    def start_thread(self, name: str, run: Callable[[], None], stop: Callable[[], None]) -> ThreadHandle: ...


class PlainThreads:
    """A daemon `threading.Thread` per work (the CLI): the runner itself stops and waits for its work."""

    def start_thread(self, name: str, run: Callable[[], None], stop: Callable[[], None]) -> ThreadHandle:
        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        return thread
