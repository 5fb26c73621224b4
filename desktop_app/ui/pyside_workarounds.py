"""Workarounds for bugs in the PySide6 we ship with; each says how to tell when it can go.

PySide6 6.12.0 `SignalInstance.emit()` returns `True` without taking a reference to it, so every emit from Python
drops one reference to `True` that someone else owns. CPython 3.11 counts references to `True` like any other
object: after a few hundred to a few thousand emits the count reaches zero and the interpreter aborts with
"Fatal Python error: bool_dealloc" (at once, or at exit while collecting garbage). CPython 3.12 and later make
`True` immortal, so the bug is harmless there.

`guard_bool_refcounts` gives `True` and `False` a reference count no program can use up. They are static objects
that are never freed, so an extra count changes nothing else. tests/gui/test_pyside_workarounds.py measures whether
emit still leaks; when it stops leaking on every PySide6 we support, remove this module.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40  # a trillion emits: centuries at any realistic rate


def emit_leaks_true_reference() -> bool:
    """True when this PySide6's `emit` drops a reference to `True` (measured, not guessed from the version)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(10):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def guard_bool_refcounts() -> bool:
    """Raise the reference counts of True and False far beyond reach; returns True if it did anything."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False  # immortal there; writing the count could even make them mortal
    for value in (True, False):
        count = ctypes.c_ssize_t.from_address(id(value))
        if count.value < _HEADROOM:
            count.value += _HEADROOM
    return True
