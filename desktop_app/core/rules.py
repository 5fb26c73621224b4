"""Rules for what is told, and where (issue 21). Pure: every function is given the facts (the job, the time, what
the desktop said about presence and do-not-disturb) by its caller.

- Forward only jobs that ran longer than N minutes (`forward-min-minutes`, per account, else the app's).
- Forward only when the desktop is idle or locked (`forward-when-away`): where no reader answers (no logind
  session, no screensaver service), forward always, and say so (`PRESENCE_UNKNOWN_TEXT`).
- Quiet hours (`quiet-hours`, like 22:00-07:00, local time) silence sounds and hold banners; endings are still
  collected in the menu.
- Do-not-disturb, where the desktop lets it be read (`respect-dnd`): banners held until it ends, then one summary.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, time

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Job

PRESENCE_UNKNOWN_TEXT = (
    "this desktop does not say whether it is idle or locked (no logind session, no screensaver service): "
    "forwards are sent always"
)


class Presence(enum.StrEnum):
    """What the desktop says about the person in front of it."""

    ACTIVE = "active"
    IDLE = "idle"
    LOCKED = "locked"
    UNKNOWN = "unknown"  # no reader answered


def ran_minutes(job: Job) -> float | None:
    """How long an ended job ran, in minutes (from when it was added); None while it is open."""
    if job.finished_at is None:
        return None
    return max(0.0, (job.finished_at - job.created_at).total_seconds() / 60.0)


def long_enough(job: Job, min_minutes: float) -> bool:
    """Whether the job ran longer than `min_minutes` (0: every job)."""
    if min_minutes <= 0:
        return True
    ran = ran_minutes(job)
    return ran is not None and ran > min_minutes


def forward_decision(presence: Presence, only_when_away: bool) -> tuple[bool, str | None]:
    """(send now?, why not / a note). Away means idle or locked; unknown sends (and says so)."""
    if not only_when_away:
        return True, None
    if presence is Presence.UNKNOWN:
        return True, PRESENCE_UNKNOWN_TEXT
    if presence is Presence.ACTIVE:
        return False, "not forwarded: the desktop is in use (forward only when idle or locked)"
    return True, None


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily stretch of local time, `start` to `end`; it may cross midnight (22:00-07:00)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


_HOURS = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


def parse_quiet_hours(text: str) -> QuietHours | None:
    """`22:00-07:00` (local time); empty or `off` for none; ConfigError otherwise."""
    if not text.strip() or text.strip().lower() in ("off", "none", "no"):
        return None
    match = _HOURS.fullmatch(text)
    if not match:
        raise ConfigError(f"{text!r} is not a stretch of hours (like 22:00-07:00, or off)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        raise ConfigError(f"{text!r} is not a stretch of hours (like 22:00-07:00, or off)")
    return QuietHours(time(h1, m1), time(h2, m2))


@dataclass(frozen=True, slots=True)
class Telling:
    """How an ending is told on the desktop now: a banner and a sound, or held (collected, summarized later)."""

    banner: bool
    sound: bool
    held_because: str | None = None


def telling(now: datetime, quiet: QuietHours | None, dnd: bool | None, respect_dnd: bool = True) -> Telling:
    """Banners and sounds at `now` (aware): quiet hours hold banners and silence sounds; a readable
    do-not-disturb (when respected) holds banners too. `dnd` None: the desktop does not say."""
    if quiet is not None and quiet.contains(now.astimezone().time().replace(tzinfo=None)):
        return Telling(False, False, f"quiet hours ({quiet.text()})")
    if respect_dnd and dnd:
        return Telling(False, False, "the desktop's do-not-disturb")
    return Telling(True, True)
