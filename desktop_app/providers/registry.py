"""Every provider by name: the one list (explicit imports, so PyInstaller sees each), and every table by provider
derived from it.

A provider is one module: its metadata (name, display name, ID spec, poll policy, batch size, default rate limit,
base URL) are class attributes of its class. One line in `PROVIDERS` is all it takes for accounts, the CLI, drops
and the scheduler to know it. `ID_SPECS`, `DISPLAY_NAMES` and `POLICIES` are live views of `PROVIDERS`, not
copies, so they cannot disagree with it; code above core passes them to `core.ids` and `core.schedule`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from desktop_app.core.errors import ConfigError
from desktop_app.core.ids import IdSpec
from desktop_app.core.model import Account
from desktop_app.core.ratelimit import RateLimit, parse_rate_limit
from desktop_app.core.schedule import PollPolicy
from desktop_app.providers.base import HttpProvider
from desktop_app.providers.encodingcom import EncodingComProvider
from desktop_app.providers.ipaper import IPaperProvider
from desktop_app.providers.pdfco import PdfCoProvider
from desktop_app.providers.scriptx import ScriptXProvider

PROVIDERS: dict[str, type[HttpProvider]] = {
    IPaperProvider.name: IPaperProvider,
    ScriptXProvider.name: ScriptXProvider,
    PdfCoProvider.name: PdfCoProvider,
    EncodingComProvider.name: EncodingComProvider,
}

BUILTIN_NAMES = frozenset(PROVIDERS)  # the providers written in Python; a definition cannot take their names

_T = TypeVar("_T")


class _ByProvider(Mapping[str, _T]):
    """One metadata attribute of every provider in `PROVIDERS`, by provider name, read when asked."""

    def __init__(self, attribute: Callable[[type[HttpProvider]], _T]) -> None:
        self._attribute = attribute

    def __getitem__(self, name: str) -> _T:
        return self._attribute(PROVIDERS[name])

    def __iter__(self) -> Iterator[str]:
        return iter(PROVIDERS)

    def __len__(self) -> int:
        return len(PROVIDERS)

    def __repr__(self) -> str:
        return repr(dict(self))


ID_SPECS: Mapping[str, IdSpec] = _ByProvider(lambda cls: cls.id_spec)
DISPLAY_NAMES: Mapping[str, str] = _ByProvider(lambda cls: cls.display_name)
POLICIES: Mapping[str, PollPolicy] = _ByProvider(lambda cls: cls.poll_policy)


def provider_class(name: str) -> type[HttpProvider]:
    try:
        return PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        hint = ""
        if name not in BUILTIN_NAMES:
            hint = f"; if it is defined in a file, its definition is missing or broken: `jobtray provider check {name}`"
        raise ConfigError(f"provider {name!r} is not available (available: {known}){hint}") from None


def account_rate_limit(account: Account) -> RateLimit:
    """The account's own limit if set, else the provider's documented default."""
    return parse_rate_limit(account.rate_limit or provider_class(account.provider).default_rate_limit)


# ---- providers defined in files (providers/defined.py) -------------------------------------------------------


def use_definitions(data_folder: Path) -> list[str]:
    """Learn the providers defined in `data_folder`'s `providers/` folder (replacing any learnt before).

    A definition that fails disables that provider alone; the returned lines say why, each once per process.
    """
    from desktop_app.providers.defined_folder import load_folder

    loaded, problems = load_folder(definitions_folder(data_folder), BUILTIN_NAMES)
    for name in _LEARNT - set(loaded):  # only what an earlier call learnt: never a provider registered otherwise
        PROVIDERS.pop(name, None)
    PROVIDERS.update(loaded)
    _LEARNT.clear()
    _LEARNT.update(loaded)
    fresh = [line for line in problems if line not in _TOLD]
    _TOLD.update(fresh)
    return fresh


_TOLD: set[str] = set()
_LEARNT: set[str] = set()


def definitions_folder(data_folder: Path) -> Path:
    """Where the definitions of a data folder live: `providers/` beside the job list."""
    return data_folder / "providers"


def is_defined(name: str) -> bool:
    return name in PROVIDERS and name not in BUILTIN_NAMES
