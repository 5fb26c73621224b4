"""`JobAdder`: jobs come in: the Add job dialog, text dropped or pasted on the window, a copied job ID offered by
the clipboard watch, and jobs handed over by `jobtray add`/`open` on the single-instance socket."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from desktop_app.app.state import AppState
from desktop_app.app.windowing import WindowHost
from desktop_app.core.errors import JobTrayError
from desktop_app.core.handoff import WatchRequest
from desktop_app.core.ids import IdSpec
from desktop_app.core.intake import Owner, owners, place_handoff
from desktop_app.core.model import Account, Job
from desktop_app.core.text import displayable
from desktop_app.store.database import Store
from desktop_app.ui.clipboard import ClipboardOffer, offer_text
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.notifier import Notifier

log = logging.getLogger(__name__)

HANDOFF_RETRY_FIRST_MS = 100  # a hand-off that met a busy database is written again after this, doubling...
HANDOFF_RETRY_MAX_MS = 2000  # ...up to this, until it is written
OFFERS_KEPT = 20  # clipboard offers whose Watch may still be clicked (older notifications are long gone)


def id_specs() -> Mapping[str, IdSpec]:
    """The providers' ID specs (the ui never imports the providers: the app passes them); loads the registry."""
    from desktop_app.providers.registry import ID_SPECS

    return ID_SPECS


def _busy(exc: Exception) -> bool:
    """Another program holds the database's write lock (it will let go), as against a database that is broken."""
    if getattr(exc, "busy", False):
        return True
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class JobAdder(QObject):
    """Adds jobs to the store and the model; asks which account when several could own an ID.

    Args:
        reload: reads the store again (a job handed over for an account added a moment ago by the CLI).
    """

    def __init__(
        self,
        store: Store,
        model: JobTableModel,
        state: AppState,
        windows: WindowHost,
        notifier: Notifier,
        *,
        reload: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._model = model
        self._state = state
        self._windows = windows
        self._notifier = notifier
        self._reload = reload
        self._offers: dict[str, ClipboardOffer] = {}  # notification key -> what its Watch adds
        self._offer_count = 0
        # Hand-offs accepted while another program held the database: written as soon as it is free.
        self._queued: list[tuple[Account, str, str | None, bool]] = []
        self._queue_timer = QTimer(self)
        self._queue_timer.setSingleShot(True)
        self._queue_timer.timeout.connect(self.write_queued)
        self._queue_delay = HANDOFF_RETRY_FIRST_MS

    def is_watched(self, job_id: str) -> bool:
        """A copied job ID that is watched already is not offered (the model may not hold every job: the store)."""
        try:
            return any(not job.archived for job in self._store.jobs.find(job_id))
        except sqlite3.Error:
            return any(job.job_id == job_id for job in self._model.jobs())

    def open_dialog(self) -> None:
        accounts = [(account.name, account.provider) for account in self._state.accounts]
        from desktop_app.ui.dialogs import AddJobDialog

        dialog = AddJobDialog(accounts, self._windows.window)
        dialog.add_requested.connect(
            lambda text, account, label: self.add_from_text(text, account or None, label or None)
        )
        self._windows.keep_open(dialog)

    def add_from_text(self, text: str, account: str | None = None, label: str | None = None) -> None:
        """Find job IDs in text (a drop, a paste, the Add job dialog); ask which account when several could own them."""
        accounts = self._state.accounts
        if not accounts:
            self._state.refuse(
                QCoreApplication.translate(
                    "AppController", "Add an account first (Accounts...): JobTray needs to know whom to ask."
                )
            )
            return
        from desktop_app.engine.intake import id_book  # the providers' registry: loaded when first needed

        warnings: list[str] = []
        try:
            # The one intake's rules, the same as `jobtray add` (core/intake.py).
            found = owners(text, accounts, id_book(), account, warnings)
        except JobTrayError as exc:
            self._state.refuse(QCoreApplication.translate("AppController", "Not added: %1").replace("%1", str(exc)))
            return
        if not found:
            providers = ", ".join(sorted({a.provider for a in accounts}))
            template = QCoreApplication.translate(
                "AppController", "No job ID of your accounts' providers (%1) was found in that text."
            )
            self._state.refuse(template.replace("%1", providers))
            return
        for warning in warnings:
            self._state.say(warning)
        if len(found) == 1:
            self.add_jobs(found, label)
            return
        from desktop_app.ui.dialogs import ChooseAccountDialog

        dialog = ChooseAccountDialog(found, self._windows.window)
        dialog.accepted.connect(lambda: self.add_jobs(dialog.chosen(), label))
        self._windows.keep_open(dialog)

    def add_jobs(self, candidates: Sequence[Owner], label: str | None = None) -> list[Job]:
        added: list[Job] = []
        try:
            with self._store.jobs.transaction():
                for candidate in candidates:
                    for job_id in candidate.job_ids:
                        job, _created = self._store.jobs.add(candidate.account, job_id, label)
                        added.append(job)
        except (sqlite3.Error, JobTrayError) as exc:
            self._state.refuse(QCoreApplication.translate("AppController", "Not added: %1").replace("%1", str(exc)))
            return []
        self._model.upsert(added)
        self._state.jobs_touched(job.id for job in added)
        if added:
            count = len(added)  # a name, not an expression: pyside6-lupdate misses calls with those
            self._state.say(QCoreApplication.translate("AppController", "Watching %n job(s)", "", count))
            self._windows.window.select_job(added[-1].id)
        return added

    def remove_jobs(self, row_ids: Sequence[int]) -> None:
        try:
            with self._store.jobs.transaction():
                for row_id in row_ids:
                    self._store.jobs.remove(row_id)
        except sqlite3.Error as exc:
            self._state.say(QCoreApplication.translate("AppController", "Not removed: %1").replace("%1", str(exc)))
            return
        self._model.remove(row_ids)
        self._state.jobs_touched(row_ids)
        count = len(row_ids)
        self._state.say(QCoreApplication.translate("AppController", "Stopped watching %n job(s)", "", count))

    # ---- the clipboard watch's offers ----------------------------------------------------------------------

    def offer_from_clipboard(self, offer: ClipboardOffer) -> None:
        """A copied job ID: offered in a notification; nothing is added or sent before its Watch is clicked."""
        self._offer_count += 1
        key = f"clipboard-{self._offer_count}"
        self._offers[key] = offer
        while len(self._offers) > OFFERS_KEPT:  # never clicked: dropped, oldest first
            del self._offers[next(iter(self._offers))]
        title, body = offer_text(offer)
        self._notifier.offer_watch(key, title, body)

    def accept_watch_offer(self, key: str) -> None:
        """Watch was clicked: the job is added as `add` would (its account asked for when several fit), checked now."""
        offer = self._offers.pop(key, None)
        if offer is None:
            return  # clicked twice, or a notification of an earlier session
        known = set(self._state.account_names())
        names = [account.name for account in offer.accounts if account.name in known]
        if not names:
            self._state.refuse(
                QCoreApplication.translate("AppController", "Not added: the account for %1 was removed.").replace(
                    "%1", offer.job_id
                )
            )
            return
        self.add_from_text(offer.job_id, names[0] if len(names) == 1 else None)

    # ---- hand-off ------------------------------------------------------------------------------------------

    def accept_handoff(self, request: WatchRequest) -> tuple[bool | None, str | None]:
        """A job handed over by `jobtray add` or `jobtray open`: (created, None), or (None, why it was refused).

        Untrusted (any program of this user can write to the socket): the account must exist and the ID must be
        sendable for its provider, else nothing is added. The job is in the model at once and its first check goes
        out now (a new job is due at once in its account's schedule). A database busy with another program never
        refuses it: the request is queued, answered at once, and written as soon as the database is free.
        """
        from desktop_app.engine.intake import id_book

        label = displayable(request.label).strip() or None if request.label else None
        try:
            placed = place_handoff(self._store.accounts.all(), request.account, request.job_id, label, id_book())
        except (JobTrayError, sqlite3.Error) as exc:
            return None, str(exc)
        account, job_id = placed.account, placed.job_id
        if self._queued:  # keep the order: behind those already waiting
            return self._queue(account, job_id, label, request.announce)
        try:
            job, created = self._store.jobs.add(account, job_id, label)
        except (JobTrayError, sqlite3.Error) as exc:
            if _busy(exc):  # locked by another program (reads still work: WAL)
                return self._queue(account, job_id, label, request.announce)
            return None, str(exc)
        self._added_by_handoff(job, request.announce)
        return created, None

    def _queue(
        self, account: Account, job_id: str, label: str | None, announce: bool
    ) -> tuple[bool | None, str | None]:
        try:
            created = not self._store.jobs.find(job_id, account.name)
        except sqlite3.Error:
            created = True  # cannot tell: the CLI says "watching" either way
        if not any(q[0].name == account.name and q[1] == job_id for q in self._queued):
            self._queued.append((account, job_id, label, announce))
        log.info("the database is busy: %s queued, written when it is free", job_id)
        if not self._queue_timer.isActive():
            self._queue_timer.start(self._queue_delay)
        return created, None

    @property
    def queued(self) -> int:
        """Hand-offs waiting for the database."""
        return len(self._queued)

    def write_queued(self) -> None:
        """Write the queued hand-offs; still busy: again a little later."""
        written: list[tuple[Job, bool]] = []
        try:
            with self._store.jobs.transaction():
                for account, job_id, label, announce in self._queued:
                    job, _created = self._store.jobs.add(account, job_id, label)
                    written.append((job, announce))
        except (JobTrayError, sqlite3.Error) as exc:
            if _busy(exc):
                self._queue_delay = min(HANDOFF_RETRY_MAX_MS, self._queue_delay * 2)
                self._queue_timer.start(self._queue_delay)
                return
            log.exception("%d handed-over job(s) could not be written", len(self._queued))
            written = []
        self._queued.clear()
        self._queue_delay = HANDOFF_RETRY_FIRST_MS
        for job, announce in written:
            self._added_by_handoff(job, announce)

    def _added_by_handoff(self, job: Job, announce: bool) -> None:
        if job.account not in self._state.account_names():
            self._reload()  # an account added a moment ago by the CLI: start its worker first
        self._model.upsert([job])
        self._state.jobs_touched([job.id])
        if announce:
            self._notifier.announce_watching(job)

    def shutdown(self) -> None:
        """A last try for queued hand-offs (the database may be free by now)."""
        self._queue_timer.stop()
        if self._queued:
            self.write_queued()
            self._queue_timer.stop()
        if self._queued:
            log.warning("%d handed-over job(s) could not be written before quitting", len(self._queued))
