"""`JobAdder`: jobs come in: the Add job dialog, text dropped or pasted on the window, a copied job ID offered by
the clipboard watch, and jobs handed over by `jobtray add`/`open` on the single-instance socket."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QCoreApplication, QObject

from desktop_app.app.state import AppState
from desktop_app.app.windowing import WindowHost
from desktop_app.core.errors import JobTrayError
from desktop_app.core.handoff import WatchRequest
from desktop_app.core.ids import IdSpec
from desktop_app.core.model import Job
from desktop_app.store.database import Store
from desktop_app.ui.clipboard import ClipboardOffer, offer_text
from desktop_app.ui.drops import Candidate, plan_drop
from desktop_app.ui.job_model import JobTableModel
from desktop_app.ui.notifier import Notifier

log = logging.getLogger(__name__)

OFFERS_KEPT = 20  # clipboard offers whose Watch may still be clicked (older notifications are long gone)


def id_specs() -> Mapping[str, IdSpec]:
    """The providers' ID specs (the ui never imports the providers: the app passes them); loads the registry."""
    from desktop_app.providers.registry import ID_SPECS

    return ID_SPECS


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
        plan = plan_drop(text, accounts, account, specs=id_specs())
        if plan.empty:
            providers = ", ".join(sorted({a.provider for a in accounts}))
            template = QCoreApplication.translate(
                "AppController", "No job ID of your accounts' providers (%1) was found in that text."
            )
            self._state.refuse(template.replace("%1", providers))
            return
        if not plan.needs_choice:
            self.add_jobs(plan.candidates, label)
            return
        from desktop_app.ui.dialogs import ChooseAccountDialog

        dialog = ChooseAccountDialog(plan.candidates, self._windows.window)
        dialog.accepted.connect(lambda: self.add_jobs(dialog.chosen(), label))
        self._windows.keep_open(dialog)

    def add_jobs(self, candidates: Sequence[Candidate], label: str | None = None) -> list[Job]:
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
        out now (a new job is due at once in its account's schedule).
        """
        from desktop_app.app.intake import validated_handoff

        try:
            account, job_id, label = validated_handoff(self._store.accounts.all(), request)
            job, created = self._store.jobs.add(account, job_id, label)
        except (JobTrayError, sqlite3.Error) as exc:
            return None, str(exc)
        if account.name not in self._state.account_names():
            self._reload()  # an account added a moment ago by the CLI: start its worker first
        self._model.upsert([job])
        self._state.jobs_touched([job.id])
        if request.announce:
            self._notifier.announce_watching(job)
        return created, None
