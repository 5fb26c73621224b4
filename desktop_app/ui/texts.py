"""Words the ui shares, translated: state names, relative times ("3 min ago"), durations, full local times.

Through Qt's translation (`QCoreApplication.translate`, contexts "JobState" and "Time"): the app installs the
translator for the system's language before the first widget is made (app/translations.py), so these read it at
call time. `core/timetext.py` keeps the English the CLI prints.
"""

from __future__ import annotations

__all__ = [
    "QT_TRANSLATE_NOOP",
    "duration_text",
    "fill",
    "full_time",
    "relative_time",
    "state_text",
    "state_word",
    "weekday",
]

import re
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from desktop_app.core.model import JobState

if TYPE_CHECKING:
    # PySide6 types it as returning object; it returns its text (marked for lupdate, translated where shown).
    def QT_TRANSLATE_NOOP(context: str, source_text: str, /) -> str: ...
else:
    from PySide6.QtCore import QT_TRANSLATE_NOOP

_STATE_SOURCES = {
    JobState.QUEUED: QT_TRANSLATE_NOOP("JobState", "Queued"),
    JobState.RUNNING: QT_TRANSLATE_NOOP("JobState", "Running"),
    JobState.SUCCEEDED: QT_TRANSLATE_NOOP("JobState", "Succeeded"),  # list --json's words (issue 20), translated
    JobState.PARTIAL: QT_TRANSLATE_NOOP("JobState", "Partial"),
    JobState.FAILED: QT_TRANSLATE_NOOP("JobState", "Failed"),
    JobState.CANCELLED: QT_TRANSLATE_NOOP("JobState", "Cancelled"),
    JobState.NOT_FOUND: QT_TRANSLATE_NOOP("JobState", "Not found"),
}
# The lower-case forms inside a sentence ("failed 3 min ago"): German keeps its own case rules, so these are
# separate strings, not .lower() of the names above.
_STATE_WORD_SOURCES = {
    JobState.QUEUED: QT_TRANSLATE_NOOP("JobState", "queued"),
    JobState.RUNNING: QT_TRANSLATE_NOOP("JobState", "running"),
    JobState.SUCCEEDED: QT_TRANSLATE_NOOP("JobState", "succeeded"),
    JobState.PARTIAL: QT_TRANSLATE_NOOP("JobState", "partial"),
    JobState.FAILED: QT_TRANSLATE_NOOP("JobState", "failed"),
    JobState.CANCELLED: QT_TRANSLATE_NOOP("JobState", "cancelled"),
    JobState.NOT_FOUND: QT_TRANSLATE_NOOP("JobState", "not found"),
}
_WEEKDAYS = (
    QT_TRANSLATE_NOOP("Time", "Mon"),
    QT_TRANSLATE_NOOP("Time", "Tue"),
    QT_TRANSLATE_NOOP("Time", "Wed"),
    QT_TRANSLATE_NOOP("Time", "Thu"),
    QT_TRANSLATE_NOOP("Time", "Fri"),
    QT_TRANSLATE_NOOP("Time", "Sat"),
    QT_TRANSLATE_NOOP("Time", "Sun"),
)


_PLACE = re.compile(r"%([1-9])")


def fill(template: str, *args: object) -> str:
    """A translated template's %1, %2... replaced by `args` in one pass (an argument's own "%2" stays as it is)."""
    return _PLACE.sub(
        lambda m: str(args[int(m.group(1)) - 1]) if int(m.group(1)) <= len(args) else m.group(0), template
    )


@cache
def _state_texts() -> dict[JobState, str]:
    # Cached: a table of 10,000 rows asks for these on every repaint. The translator is installed before any
    # widget exists and never changes while the app runs.
    return {state: QCoreApplication.translate("JobState", text) for state, text in _STATE_SOURCES.items()}


def state_text(state: JobState) -> str:
    """The state's name as the window shows it ("Succeeded")."""
    return _state_texts()[state]


def state_word(state: JobState) -> str:
    """The state inside a sentence ("finished 3 min ago")."""
    return QCoreApplication.translate("JobState", _STATE_WORD_SOURCES[state])


def weekday(when: datetime) -> str:
    """The short weekday name ("Sun")."""
    return QCoreApplication.translate("Time", _WEEKDAYS[when.weekday()])


def relative_time(when: datetime, now: datetime) -> str:
    """`just now`, `3 min ago`, `2 h ago`, `yesterday`, `4 days ago`, then the local date (`2026-11-02`).

    A time slightly in the future (another machine's clock) reads as `just now`.
    """
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return QCoreApplication.translate("Time", "just now")
    if seconds < 3600:
        minutes = int(seconds // 60)  # a name, not an expression: pyside6-lupdate misses calls with those
        return QCoreApplication.translate("Time", "%n min ago").replace("%n", str(minutes))
    if seconds < 86400:
        hours = int(seconds // 3600)
        return QCoreApplication.translate("Time", "%n h ago").replace("%n", str(hours))
    days = (now.astimezone().date() - when.astimezone().date()).days
    if days <= 1:
        return QCoreApplication.translate("Time", "yesterday")
    if days < 7:
        return QCoreApplication.translate("Time", "%n days ago").replace("%n", str(days))
    return when.astimezone().strftime("%Y-%m-%d")


def full_time(when: datetime) -> str:
    """The local date and time with the weekday and zone: `Sun 2026-11-22 13:00:05 CET`."""
    local = when.astimezone()
    return f"{weekday(local)} {local.strftime('%Y-%m-%d %H:%M:%S %Z')}".strip()


def duration_text(seconds: float) -> str:
    """`42s`, `3m 05s`, `2h 07m`, `1d 4h`."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return fill(QCoreApplication.translate("Time", "%1s"), seconds)
    if seconds < 3600:
        return fill(QCoreApplication.translate("Time", "%1m %2s"), seconds // 60, f"{seconds % 60:02d}")
    if seconds < 86400:
        return fill(QCoreApplication.translate("Time", "%1h %2m"), seconds // 3600, f"{seconds % 3600 // 60:02d}")
    return fill(QCoreApplication.translate("Time", "%1d %2h"), seconds // 86400, seconds % 86400 // 3600)
