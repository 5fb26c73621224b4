"""PySide6 6.12.0's `SignalInstance.emit()` returns True without owning a reference to it: on CPython 3.11 the
count of True runs out after a few thousand emits and the interpreter aborts ("Fatal Python error: bool_dealloc").
pyproject.toml excludes that release; this test fails if a PySide6 with the bug is installed."""

from __future__ import annotations

import subprocess
import sys

_MANY_EMITS = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal
app = QCoreApplication([])
class O(QObject):
    ping = Signal(object)
o = O()
before = sys.getrefcount(True)
for _ in range(20000):
    o.ping.emit(None)
print("lost", before - sys.getrefcount(True))
"""


def test_emit_keeps_the_reference_count_of_true() -> None:
    done = subprocess.run([sys.executable, "-c", _MANY_EMITS], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "lost 0"
