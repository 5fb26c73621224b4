"""The tray and the providers defined in its data folder's providers/ (providers/defined.py).

They are learnt once, at start, before anything asks the registry; only when there is a definition, since the
registry brings requests along (~20 MB a tray with nothing to watch never loads). A definition that fails
disables that provider alone, and the tray says so once (a problem notification), the rest working.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from desktop_app.core.ids import learn_display_names

log = logging.getLogger(__name__)

_REGISTRY = "desktop_app.providers.registry"


def learn_definitions(folder: Path) -> list[str]:
    """Learn the definitions in `folder`'s providers/; one line for each one not used (told by the caller)."""
    if _REGISTRY not in sys.modules and not any((folder / "providers").glob("*.toml")):
        return []
    from desktop_app.providers.registry import use_definitions

    unused = use_definitions(folder)
    for line in unused:
        log.warning("%s", line)
    learn_display_names({name: display for name, display, _page in defined_providers()})
    return unused


def defined_providers() -> list[tuple[str, str, str]]:
    """(name, display name, vendor page) of each defined provider learnt, for the welcome; none when the
    registry was never loaded (nothing was defined)."""
    registry = sys.modules.get(_REGISTRY)
    if registry is None:
        return []
    from desktop_app.providers.defined import DefinedProvider

    found: list[tuple[str, str, str]] = []
    for name, cls in registry.PROVIDERS.items():
        if isinstance(cls, type) and issubclass(cls, DefinedProvider):
            found.append((name, cls.display_name, cls.definition.documentation))
    return found
