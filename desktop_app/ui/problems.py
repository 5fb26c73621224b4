"""Account problems as the tray app says them, translated (the CLI's English is core/problems.py's).

The sources here repeat core/problems.py's texts as literals: pyside6-lupdate only finds literal strings.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop_app.core.problems import ProblemKind
from desktop_app.ui.texts import QT_TRANSLATE_NOOP, fill

_WAITING = {
    ProblemKind.NO_KEY: QT_TRANSLATE_NOOP("Problems", "key not set"),
    ProblemKind.WRONG_KEY: QT_TRANSLATE_NOOP("Problems", "key refused"),
    ProblemKind.NO_CREDITS: QT_TRANSLATE_NOOP("Problems", "no credits left"),
    ProblemKind.KEYRING_LOCKED: QT_TRANSLATE_NOOP("Problems", "keyring locked"),
    ProblemKind.UNREACHABLE: QT_TRANSLATE_NOOP("Problems", "server unreachable"),
    ProblemKind.RATE_LIMITED: QT_TRANSLATE_NOOP("Problems", "rate-limited"),
    ProblemKind.SETTINGS: QT_TRANSLATE_NOOP("Problems", "account settings"),
}
_ACTIONS = {
    ProblemKind.NO_KEY: QT_TRANSLATE_NOOP("Problems", "Set the key"),
    ProblemKind.WRONG_KEY: QT_TRANSLATE_NOOP("Problems", "Edit the account"),
    ProblemKind.NO_CREDITS: QT_TRANSLATE_NOOP("Problems", "Check again"),
    ProblemKind.KEYRING_LOCKED: QT_TRANSLATE_NOOP("Problems", "Unlock the keyring"),
    ProblemKind.UNREACHABLE: QT_TRANSLATE_NOOP("Problems", "Check the address"),
    ProblemKind.RATE_LIMITED: QT_TRANSLATE_NOOP("Problems", "Edit the account"),
    ProblemKind.SETTINGS: QT_TRANSLATE_NOOP("Problems", "Edit the account"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Problems", text)


def waiting_text(kind: ProblemKind) -> str:
    """What its jobs wait for: "key not set"."""
    return _tr(_WAITING[kind])


def action_text(kind: ProblemKind) -> str:
    """The button or menu item that fixes it: "Set the key"."""
    return _tr(_ACTIONS[kind])


def waiting_state_text(state: str, kind: ProblemKind) -> str:
    """An open job's state beside its account's problem: "Queued · waiting: key not set"."""
    return fill(QCoreApplication.translate("Problems", "%1 · waiting: %2"), state, waiting_text(kind))


def problem_line(account: str, kind: ProblemKind) -> str:
    """One line per account in the tray menu: "work: key not set — Set the key"."""
    return fill(QCoreApplication.translate("Problems", "%1: %2 — %3"), account, waiting_text(kind), action_text(kind))
