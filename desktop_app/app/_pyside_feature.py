"""PySide6's `__feature__` import hook, kept from reading every module's source (issue 19: idle RSS, ~11 MB).

Once PySide6 is imported, shiboken calls `feature.feature_imported(module)` for every module imported after it, and
that calls `inspect.getsource(module)` to look for the text "PySide6" (to decide whether the module may switch
`from __feature__ import snake_case, true_property`). `inspect.getsource` goes through `linecache`, which keeps
every line of every such file for the life of the process: in the tray ~290 files, 4.6 million characters, about
11 MB of small strings that stay (clearing the cache later does not give the memory back: the lines sit among the
modules' own objects). JobTray never uses `__feature__`, so "this module does not use PySide6" is the right answer
for all of them: a module marked so simply keeps PySide6's default names, as every module of ours does anyway.

Imported by app/run.py before anything else of ours (its name sorts first), right after PySide6 itself. If a
PySide6 release moves or renames these internals, nothing is changed (and tests/gui/test_startup_memory.py says so).
"""

from __future__ import annotations

import sys
from types import ModuleType

import PySide6.QtCore  # noqa: F401  (installs the import hook this module tames)


def _uses_no_feature(_module: ModuleType) -> bool:
    return False


def keep_sources_unread() -> bool:
    """Stop the hook from reading modules' source; True if it was found and replaced."""
    feature = sys.modules.get("PySide6.support.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = _uses_no_feature  # type: ignore[attr-defined]
    return True


SOURCES_UNREAD = keep_sources_unread()
