"""Account discovery: jobs that come by themselves. An encoding.com account with discovery on lists its media
(GetMediaList v3) at most once a minute and watches each new one not finished yet, labelled with its source file.

Split like the polling loop, so every front drives it the same way:
- `Discoverer` (any thread; the tray's worker, or the CLI's only thread): `next_due()`, then `step()` sends at
  most one request (one page), inside the account's shared rate budget, and returns a frozen `DiscoveryPage`.
  A look is every page from `date_from` on; its pages go out one per due step, each a budget slot of its own.
- `record_page` (the thread that owns the store): decides which listed media are new, adds them as discovered
  jobs, remembers every ID it decided about, and notes the look once its last page is in.

Time zone (docs/PROVIDERS.md): encoding.com's dates carry no zone. They are read as UTC, and the listing asks from
`DATE_MARGIN` (14 h, the widest offset of any zone from UTC) before the last look, so a server in any zone lists
everything new; the IDs already decided about make the overlap harmless. Media read as created more than
`DATE_MARGIN` before the switch-on never count.

The baseline (issue 20): the first complete look, taken at the switch-on (`take_baseline`, which `account add
--discover` calls at once; in the tray, the account's first look right after the dialog saved): what it lists was
there already and never counts, exact whatever the zone. When the switch-on's own look failed, the next look that
succeeds counts the unfinished media created, read as UTC, at or after the switch-on: still "created since
discovery was turned on", exact for a server that speaks UTC.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Account, Job
from desktop_app.engine.budget import Budget
from desktop_app.providers.base import HttpProvider
from desktop_app.providers.encodingcom_media import Media, MediaPage, list_media

if TYPE_CHECKING:
    # Types only: a tray worker imports this module and must not load the store (workers never touch it).
    from desktop_app.store.database import Store
    from desktop_app.store.discovery import DiscoveryState

log = logging.getLogger(__name__)

LOOK_INTERVAL = 60.0  # seconds between the starts of two looks, at most once a minute
DATE_MARGIN = timedelta(hours=14)
MAX_PAGES = 50  # 5000 media a look: beyond that the rest waits for the next look
ERROR_BACKOFF = 300.0

# Providers whose accounts can discover jobs, and how one page is asked for.
Lister = Callable[[HttpProvider, datetime, int], MediaPage]
LISTERS: dict[str, Lister] = {"encodingcom": list_media}

Clock = Callable[[], float]


def can_discover(provider: str) -> bool:
    return provider in LISTERS


@dataclass(frozen=True, slots=True)
class DiscoveryPage:
    """One page of a look, crossing from the polling thread to the store's: what was listed, and whether the look
    is complete (`look_started` is then its wall-clock start, to be saved as the last look)."""

    account: str
    look_started: float
    page: int
    media: tuple[Media, ...] = ()
    complete: bool = False
    error: str | None = None
    # The switch-on's baseline (`take_baseline`): it sets `baseline_at` only, so it holds no later look back.
    switch_on: bool = False


class Discoverer:
    """One account's looks: when the next request is due, and that request.

    Args:
        state: the account's discovery state from the store (since, last look).
        clock, wall: monotonic and wall-clock seconds (inject a virtual pair in tests).
    """

    def __init__(
        self,
        account: str,
        provider: str,
        state: DiscoveryState,
        *,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
    ) -> None:
        self.account = account
        self._lister = LISTERS[provider]
        self._clock = clock
        self._wall = wall
        self.since = state.since
        self.last_look = state.last_look
        # The first look as soon as the account runs, unless one (of this or another process) began less than a
        # minute ago: the tray, `watch` and a cron'd `poll` together look at most once a minute.
        since_last = wall() - state.last_look if state.last_look is not None else LOOK_INTERVAL
        self._due = clock() + max(0.0, min(LOOK_INTERVAL, LOOK_INTERVAL - since_last))
        self._look: tuple[float, int] | None = None  # (wall start, next page) while a look is under way
        self._held_until = 0.0
        self.rounds = 0  # looks ended (complete or failed) in this run

    def next_due(self) -> float:
        return max(self._due, self._held_until)

    @property
    def looking(self) -> bool:
        """A look is under way: its next page is still to be asked for."""
        return self._look is not None

    def owes_look(self) -> bool:
        """A look is under way, or this run's first look is due (a front that runs once, `poll`, takes it)."""
        return self._look is not None or (self.rounds == 0 and self._due <= self._clock())

    def step(self, provider: HttpProvider, budget: Budget, spacing: float) -> DiscoveryPage | None:
        """One page if a request is due now and the budget has room; None otherwise."""
        now = self._clock()
        if now < self.next_due():
            return None
        wait = budget.reserve(spacing)
        if wait > 1e-3:
            self._held_until = now + wait
            return None
        started, page = self._look if self._look is not None else (self._wall(), 1)
        date_from = datetime.fromtimestamp(self.last_look or self.since, UTC) - DATE_MARGIN
        try:
            listed = self._lister(provider, date_from, page)
        except JobTrayError as exc:
            self._look = None
            self._due = now + ERROR_BACKOFF
            self.rounds += 1
            return DiscoveryPage(self.account, started, page, error=str(exc))
        complete = not listed.full or page >= MAX_PAGES
        if complete:
            self._look = None
            self.rounds += 1
            self.last_look = started
            self._due = self._clock() + max(0.0, LOOK_INTERVAL - (self._wall() - started))
        else:
            self._look = (started, page + 1)
            self._due = now  # the next page at the next budget slot
        return DiscoveryPage(self.account, started, page, listed.media, complete)


def counts(media: Media, state: DiscoveryState, switch_on_failed: bool = False) -> bool:
    """Whether a listed media (not decided about before) is a job created since discovery was switched on.

    The baseline look (no `baseline_at` yet) counts nothing: what it lists was there already, whatever its date
    says (in an unknown zone a date cannot tell a minute before from a minute after). It is taken at the switch-on
    (`take_baseline`) or, in the tray, by the account's first look right after. Only when the switch-on's own look
    failed does the next look that succeeds count the media its date, read as UTC, puts at or after the switch-on.
    Later looks count what is new to them, unless its date, read as UTC, is more than DATE_MARGIN before it.
    """
    if media.finished:
        return False
    if state.baseline_at is None and state.last_look is None:
        return switch_on_failed and media.created is not None and media.created.timestamp() >= state.since
    return media.created is None or media.created.timestamp() >= state.since - DATE_MARGIN.total_seconds()


def take_baseline(store: Store, account: Account, provider: HttpProvider, *, wall: Clock = time.time) -> str | None:
    """The baseline look at once, at the switch-on (blocking HTTP, every page, on the store's thread): what it lists
    is remembered and never counts. None when it was taken (or is not owed), else the error in one line; the
    account keeps discovery on, and its next look that succeeds is the baseline, counting from the switch-on."""
    state = store.discovery.state(account.name)
    if state is None or state.baseline_at is not None or state.last_look is not None:
        return None
    lister = LISTERS[account.provider]
    started = wall()
    date_from = datetime.fromtimestamp(state.since, UTC) - DATE_MARGIN
    for number in range(1, MAX_PAGES + 1):
        try:
            listed = lister(provider, date_from, number)
        except JobTrayError as exc:
            store.discovery.note_switch_on_look_failed(account.name)
            return str(exc)
        complete = not listed.full or number >= MAX_PAGES
        record_page(
            store, account, DiscoveryPage(account.name, started, number, listed.media, complete, switch_on=True)
        )
        if complete:
            break
    return None


def record_page(store: Store, account: Account, page: DiscoveryPage) -> list[Job]:
    """Write what a page found (on the store's thread): new unfinished media become discovered jobs; every listed
    ID is remembered, so none is ever added twice, and a removed one never comes back."""
    state = store.discovery.state(account.name)
    if state is None or page.error is not None:
        return []  # switched off while the request was out, or the look failed (told by the caller)
    seen = store.discovery.seen(account.name)
    switch_on_failed = store.discovery.switch_on_look_failed(account.name)
    added: list[Job] = []
    with store.jobs.transaction():
        fresh = [m for m in page.media if m.media_id not in seen]
        for media in fresh:
            if not counts(media, state, switch_on_failed):
                continue
            job, created = store.jobs.add(account, media.media_id, media.source_name)
            if created:
                store.discovery.mark_discovered(job.id)
                added.append(store.jobs.get(job.id))
        store.discovery.mark_seen(account.name, [m.media_id for m in fresh])
        if page.complete and page.switch_on:
            store.discovery.set_baseline(account.name, page.look_started)
        elif page.complete:
            store.discovery.set_last_look(account.name, page.look_started)
    if added:
        log.info("discovered %d job(s) at %s", len(added), account.name)
    return added
