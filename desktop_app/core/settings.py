"""The choices that stay across restarts: what they are, their defaults, and how they read and write as text.

Settings are kept in the store as text values (`store.settings`), one row per name; this module turns them into
frozen dataclasses and back, and refuses values that make no sense, with one line saying why. No secret is ever a
setting: the command to run is a command line, never a key (the key reaches it nowhere).

Endings are named with the words `list --json` uses (issue 20: one vocabulary): succeeded, partial, failed,
cancelled, not_found. The words before (finished, partly) are still read.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import TERMINAL_STATES, JobState

DEFAULT_DOWNLOAD_CAP = 2 * 1024**3  # 2 GB
DEFAULT_COMMAND_TIMEOUT = 60.0
MAX_COMMAND_TIMEOUT = 24 * 3600.0
DEFAULT_RENOTIFY_HOURS = 24.0

ENDING_NAMES: dict[str, JobState] = {state.value: state for state in JobState if state.is_terminal}
_STATE_NAMES = {state: name for name, state in ENDING_NAMES.items()}
ALL_ENDINGS = frozenset(TERMINAL_STATES)
BAD_ENDINGS = frozenset({JobState.FAILED, JobState.CANCELLED, JobState.NOT_FOUND})
_ALIASES: dict[str, frozenset[JobState]] = {
    "all": ALL_ENDINGS,
    "any": ALL_ENDINGS,
    "none": frozenset(),
    "bad": BAD_ENDINGS,
    "finished": frozenset({JobState.SUCCEEDED}),  # the words before issue 20, still read
    "partly": frozenset({JobState.PARTIAL}),
    "not-found": frozenset({JobState.NOT_FOUND}),
}


def parse_endings(text: str) -> frozenset[JobState]:
    """`succeeded,failed` (also `all`, `none`, `bad`, and the old `finished`, `partly`) as the set of states;
    ConfigError naming the known words."""
    found: set[JobState] = set()
    for word in re.split(r"[,\s]+", text.strip().lower()):
        if not word:
            continue
        if word in ENDING_NAMES:
            found.add(ENDING_NAMES[word])
        elif word in _ALIASES:
            found |= _ALIASES[word]
        else:
            known = ", ".join([*ENDING_NAMES, "all", "none", "bad"])
            raise ConfigError(f"unknown ending {word!r} (choose from {known})")
    return frozenset(found)


def endings_text(endings: Iterable[JobState]) -> str:
    """The set as the words `parse_endings` reads, in a fixed order; `none` when empty."""
    chosen = set(endings)
    words = [name for name, state in ENDING_NAMES.items() if state in chosen]
    return ",".join(words) if words else "none"


def ending_name(state: JobState) -> str | None:
    return _STATE_NAMES.get(state)


def ends_matching(endings: frozenset[JobState], state: JobState) -> bool:
    """Whether a job that ended in `state` is one of `endings` (an open state never is)."""
    return state.is_terminal and state in endings


def parse_size(text: str) -> int:
    """`2G`, `500M`, `1.5GB`, `1048576` as bytes; ConfigError otherwise."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(i?b)?\s*", text.lower())
    if not match:
        raise ConfigError(f"{text!r} is not a size (like 500M or 2G)")
    number = float(match.group(1))
    factor = 1024 ** "_kmgt".index(match.group(2) or "_")
    size = int(number * factor)
    if size <= 0:
        raise ConfigError("a size must be more than 0 bytes")
    return size


def size_text(size: int) -> str:
    for unit, factor in (("T", 1024**4), ("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


def parse_command(text: str) -> tuple[str, ...]:
    """A command line split as a POSIX shell would (no shell runs it); ConfigError when it cannot be split."""
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:
        raise ConfigError(f"cannot read the command {text!r}: {exc}") from exc
    if not argv:
        raise ConfigError("the command is empty")
    return argv


def parse_timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_COMMAND_TIMEOUT):
        raise ConfigError(f"{text!r} is not a time limit in seconds (more than 0, at most {MAX_COMMAND_TIMEOUT:g})")
    return value


def parse_hours(text: str) -> float:
    """Hours, 0 or more (0: never), at most a year; ConfigError otherwise."""
    try:
        value = float(text.strip().lower().removesuffix("h"))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= 24 * 366):
        raise ConfigError(f"{text!r} is not a number of hours (0 for never)")
    return value


def parse_minutes(text: str) -> float:
    """Minutes, 0 or more, at most a week; ConfigError otherwise."""
    try:
        value = float(text.strip().lower().removesuffix("min").removesuffix("m"))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= 7 * 24 * 60):
        raise ConfigError(f"{text!r} is not a number of minutes")
    return value


def _parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{text!r} is not yes or no")


def _parse_time(text: str) -> datetime | None:
    if not text.strip() or text.strip().lower() in ("off", "none", "no"):
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(f"{text!r} is not a time (ISO 8601, like 2026-12-01T08:00:00+00:00)") from exc
    return when if when.tzinfo else when.astimezone(UTC)


def _time_text(when: datetime | None) -> str:
    return "off" if when is None else when.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class OnEnd:
    """A command to run when a job ends in one of `endings`."""

    command: str
    endings: frozenset[JobState] = ALL_ENDINGS

    @property
    def argv(self) -> tuple[str, ...]:
        return parse_command(self.command)


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """One account's choices. Defaults: every ending notifies, with sound, failures urgent, nothing saved."""

    save_results: str | None = None  # the folder results are downloaded to
    notify: frozenset[JobState] = ALL_ENDINGS
    sound: bool = True
    urgent_failures: bool = True
    on_end: str | None = None  # a command line
    on_end_when: frozenset[JobState] = ALL_ENDINGS
    forward_min_minutes: float | None = None  # forward only jobs that ran longer (None: the app's setting)

    def command_for(self, state: JobState) -> OnEnd | None:
        if self.on_end and ends_matching(self.on_end_when, state):
            return OnEnd(self.on_end, self.on_end_when)
        return None

    def notifies(self, state: JobState) -> bool:
        return ends_matching(self.notify, state)


@dataclass(frozen=True, slots=True)
class GlobalSettings:
    """Choices for the whole app."""

    muted_until: datetime | None = None
    download_cap: int = DEFAULT_DOWNLOAD_CAP
    on_end: str | None = None
    on_end_when: frozenset[JobState] = ALL_ENDINGS
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT
    clipboard_watch: bool = False  # offer to watch job IDs copied to the clipboard (opt-in)
    renotify_hours: float = DEFAULT_RENOTIFY_HOURS  # an unacknowledged failure is told once more after this; 0: never
    forward_min_minutes: float = 0.0  # forward only jobs that ran longer than this (an account may say otherwise)
    forward_when_away: bool = False  # forward only while the desktop is idle or locked
    quiet_hours: str | None = None  # like 22:00-07:00 (local): no sounds or banners then; endings still collected
    respect_dnd: bool = True  # hold banners while the desktop's do-not-disturb is on, where it can be read

    def muted(self, now: datetime) -> bool:
        return self.muted_until is not None and now < self.muted_until

    def command_for(self, state: JobState) -> OnEnd | None:
        if self.on_end and ends_matching(self.on_end_when, state):
            return OnEnd(self.on_end, self.on_end_when)
        return None


# ---- text values, as stored and as typed on the command line ---------------------------------------------------

# The names the store and `jobtray settings set` use (dashes as typed; underscores are accepted too).
_ACCOUNT_KEYS = ("save-results", "notify", "sound", "urgent-failures", "on-end", "on-end-when", "forward-min-minutes")
_GLOBAL_KEYS = (
    "muted-until",
    "download-cap",
    "on-end",
    "on-end-when",
    "command-timeout",
    "clipboard-watch",
    "renotify-hours",
    "forward-min-minutes",
    "forward-when-away",
    "quiet-hours",
    "respect-dnd",
)


def _field(key: str) -> str:
    return key.replace("-", "_")


def _key(field_name: str) -> str:
    return field_name.replace("_", "-")


def _read(field_name: str, text: str) -> Any:
    if field_name in ("notify", "on_end_when"):
        return parse_endings(text)
    if field_name in ("sound", "urgent_failures", "clipboard_watch", "forward_when_away", "respect_dnd"):
        return _parse_bool(text)
    if field_name == "muted_until":
        return _parse_time(text)
    if field_name == "download_cap":
        return parse_size(text)
    if field_name == "command_timeout":
        return parse_timeout(text)
    if field_name == "renotify_hours":
        return parse_hours(text)
    if field_name == "forward_min_minutes":
        return parse_minutes(text)
    if field_name == "quiet_hours":
        from desktop_app.core.rules import parse_quiet_hours

        hours = parse_quiet_hours(text)
        return None if hours is None else hours.text()
    if field_name == "on_end":
        if not text.strip():
            return None
        parse_command(text)
        return text.strip()
    if field_name == "save_results":
        return text.strip() or None
    raise ConfigError(f"unknown setting {_key(field_name)!r}")


def _write(value: Any, field_name: str = "") -> str:
    if field_name == "download_cap" and isinstance(value, int):
        return size_text(value)
    if isinstance(value, frozenset):
        return endings_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _time_text(value)
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return ""
    return str(value)


def account_keys() -> tuple[str, ...]:
    return _ACCOUNT_KEYS


def global_keys() -> tuple[str, ...]:
    return _GLOBAL_KEYS


def _known(key: str, keys: tuple[str, ...], scope: str) -> str:
    name = _key(key.strip().lower())
    if name not in keys:
        raise ConfigError(f"unknown {scope} setting {key!r} (choose from {', '.join(keys)})")
    return _field(name)


def with_account_value(settings: AccountSettings, key: str, text: str) -> AccountSettings:
    """`settings` with one value set from text; ConfigError for an unknown name or a bad value."""
    name = _known(key, _ACCOUNT_KEYS, "account")
    return replace(settings, **{name: _read(name, text)})


def with_global_value(settings: GlobalSettings, key: str, text: str) -> GlobalSettings:
    name = _known(key, _GLOBAL_KEYS, "global")
    return replace(settings, **{name: _read(name, text)})


def _defaults_of(cls: type[Any]) -> dict[str, Any]:
    return {f.name: getattr(cls(), f.name) for f in fields(cls)}


def to_values(settings: AccountSettings | GlobalSettings) -> dict[str, str]:
    """Every value that differs from its default, as text (what the store keeps)."""
    defaults = _defaults_of(type(settings))
    return {
        _key(name): _write(getattr(settings, name), name)
        for name in defaults
        if getattr(settings, name) != defaults[name]
    }


def _from_values(cls: type[Any], values: Mapping[str, str], keys: tuple[str, ...]) -> Any:
    kwargs: dict[str, Any] = {}
    for key, text in values.items():
        if key not in keys:
            continue  # written by a newer JobTray: kept in the store, ignored here
        try:
            kwargs[_field(key)] = _read(_field(key), text)
        except ConfigError:
            continue  # a damaged value falls back to the default rather than stopping the app
    return cls(**kwargs)


def account_from_values(values: Mapping[str, str]) -> AccountSettings:
    result: AccountSettings = _from_values(AccountSettings, values, _ACCOUNT_KEYS)
    return result


def global_from_values(values: Mapping[str, str]) -> GlobalSettings:
    result: GlobalSettings = _from_values(GlobalSettings, values, _GLOBAL_KEYS)
    return result


def describe(settings: AccountSettings | GlobalSettings) -> dict[str, str]:
    """Every value (defaults included) as text, in a fixed order: what `jobtray settings` prints."""
    return {_key(f.name): _write(getattr(settings, f.name), f.name) for f in fields(settings)}


def as_json(settings: AccountSettings | GlobalSettings) -> dict[str, Any]:
    """Every value as JSON: endings as lists of words, times in ISO 8601, sizes in bytes, absent as null."""
    out: dict[str, Any] = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, frozenset):
            out[f.name] = [name for name, state in ENDING_NAMES.items() if state in value]
        elif isinstance(value, datetime):
            out[f.name] = _time_text(value)
        else:
            out[f.name] = value
    return out
