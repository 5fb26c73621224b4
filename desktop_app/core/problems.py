"""Accounts that cannot be checked, and what to do about them (issue 23).

An account whose key is not set, whose key is refused, whose keyring is locked, whose server cannot be reached or
which is rate-limited for long is not "work in progress": its jobs wait for the user. Every front says so the same
way: the store keeps `accounts.problem` / `problem_kind`, `list` shows "queued · waiting: key not set", the tray
shows a warning badge, the window a banner with the action ("Set the key", "Edit the account").

Pure: no Qt, no store. The English texts here are the CLI's; the tray translates the same sources (ui/problems.py).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from desktop_app.core.errors import (
    AuthError,
    ConfigError,
    JobTrayError,
    QuotaExhausted,
    RateLimited,
    SecretStoreError,
    TransientError,
)

LONG_RATE_LIMIT_S = 600.0  # a server that asks us to wait this long (or longer) has the account stopped


class ProblemKind(enum.StrEnum):
    NO_KEY = "no_key"  # the key variable is unset, or the key is not in the keyring
    WRONG_KEY = "wrong_key"  # the provider refused the key
    NO_CREDITS = "no_credits"  # a valid key, but the account cannot be used now (no credits left)
    KEYRING_LOCKED = "keyring_locked"  # the keyring is locked, missing or refused us
    UNREACHABLE = "unreachable"  # the server's name does not resolve or it refuses connections
    RATE_LIMITED = "rate_limited"  # the server asked us to wait LONG_RATE_LIMIT_S or more
    SETTINGS = "settings"  # another setting cannot work (a missing variable, a bad address)


# What a waiting job says beside its state: "queued · waiting: key not set".
WAITING = {
    ProblemKind.NO_KEY: "key not set",
    ProblemKind.WRONG_KEY: "key refused",
    ProblemKind.NO_CREDITS: "no credits left",
    ProblemKind.KEYRING_LOCKED: "keyring locked",
    ProblemKind.UNREACHABLE: "server unreachable",
    ProblemKind.RATE_LIMITED: "rate-limited",
    ProblemKind.SETTINGS: "account settings",
}
# What the user can do: the window's banner button and the tray menu's line.
ACTIONS = {
    ProblemKind.NO_KEY: "Set the key",
    ProblemKind.WRONG_KEY: "Edit the account",
    ProblemKind.NO_CREDITS: "Top up the account at the provider",
    ProblemKind.KEYRING_LOCKED: "Unlock the keyring",
    ProblemKind.UNREACHABLE: "Check the address",
    ProblemKind.RATE_LIMITED: "Wait, or lower the rate limit",
    ProblemKind.SETTINGS: "Edit the account",
}
# The kinds the account editor fixes (its button opens it); the others are fixed outside JobTray.
EDITABLE = frozenset(
    {ProblemKind.NO_KEY, ProblemKind.WRONG_KEY, ProblemKind.UNREACHABLE, ProblemKind.SETTINGS, ProblemKind.RATE_LIMITED}
)


@dataclass(frozen=True, slots=True)
class AccountProblem:
    """Why `account` cannot be checked: its kind and the error as it was told (one line)."""

    account: str
    kind: ProblemKind
    message: str

    @property
    def waiting(self) -> str:
        return WAITING[self.kind]

    @property
    def action(self) -> str:
        return ACTIONS[self.kind]

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "message": self.message, "waiting": self.waiting, "action": self.action}


def problem_kind(exc: JobTrayError) -> ProblemKind | None:
    """The problem an account-wide error means, or None for one that passes by itself (a timeout, a 5xx)."""
    text = str(exc)
    if isinstance(exc, SecretStoreError):
        return ProblemKind.NO_KEY if "not in the keyring" in text else ProblemKind.KEYRING_LOCKED
    if isinstance(exc, ConfigError):
        return ProblemKind.NO_KEY if "environment variable" in text and "not set" in text else ProblemKind.SETTINGS
    if isinstance(exc, QuotaExhausted):
        return ProblemKind.NO_CREDITS
    if isinstance(exc, AuthError):
        return ProblemKind.WRONG_KEY
    if isinstance(exc, RateLimited):
        long_wait = exc.retry_after is not None and exc.retry_after >= LONG_RATE_LIMIT_S
        return ProblemKind.RATE_LIMITED if long_wait else None
    if isinstance(exc, TransientError) and text.startswith("cannot reach"):
        return ProblemKind.UNREACHABLE
    return None


def parse_kind(value: str | None) -> ProblemKind | None:
    """A stored kind; None for none or one this version does not know (a newer version wrote it)."""
    try:
        return ProblemKind(value) if value else None
    except ValueError:
        return ProblemKind.SETTINGS


def waiting_state(state_word: str, problem: AccountProblem | None) -> str:
    """`queued · waiting: key not set` for an open job of an account with a problem; the state word otherwise."""
    return state_word if problem is None else f"{state_word} · waiting: {problem.waiting}"
