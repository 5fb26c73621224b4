"""The tray icon, its tooltip and its menu. Sends intents by signal; the app decides what they mean.

The menu shows the most recent jobs only (failed first), so rebuilding it costs the same with 10 or 10,000 jobs.
It is rebuilt after a change, but never while open: a menu that shifts under the pointer loses clicks.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop_app.core.alarms import is_alarming
from desktop_app.core.ids import provider_display_name
from desktop_app.core.model import TERMINAL_STATES, Job, JobState
from desktop_app.core.problems import ProblemKind
from desktop_app.core.text import displayable
from desktop_app.ui.etatext import Etas, job_eta_text
from desktop_app.ui.icons import OpenTally, TrayIconKey, state_icon, tally_open, tray_icon, tray_key, warning_icon
from desktop_app.ui.job_index import JobIndex
from desktop_app.ui.pending_work import PendingItem, pending_actions, pending_text
from desktop_app.ui.problems import problem_line
from desktop_app.ui.texts import duration_text, fill, relative_time, state_word, weekday

MENU_JOBS = 15
MENU_PENDING = 5  # lines of after-end work that did not complete; the rest behind one line that opens the window
REBUILD_DELAY_MS = 150  # coalesces a burst of results into one rebuild
_BAD = (JobState.FAILED, JobState.NOT_FOUND)


def _menu_rank(job: Job) -> tuple[int, float]:
    """Smaller sorts first: failures, then open jobs, then other endings; newest first within each."""
    group = 0 if job.state in _BAD else 1 if not job.state.is_terminal else 2
    return group, -job.updated_at.timestamp()


Jobs = Sequence[Job] | JobIndex  # a JobIndex (the app's, kept row by row) spares a pass over every job


def recent_jobs(jobs: Jobs, limit: int = MENU_JOBS) -> list[Job]:
    """The jobs worth a line in the menu; O(n log limit), not a full sort (from a JobIndex: only its candidates)."""
    pool = jobs.menu_candidates(limit) if isinstance(jobs, JobIndex) else jobs
    return heapq.nsmallest(limit, (j for j in pool if not j.archived), key=_menu_rank)


def _short_time(when: datetime) -> str:
    local = when.astimezone()
    return f"{weekday(local)} {local.strftime('%H:%M')}"


def job_menu_text(job: Job, now: datetime) -> str:
    """`label · provider · 42%` for an open job with progress, else how long it has been running; for an ended one
    when it ended and how long it took (`failed 3 min ago, after 2m 05s`)."""
    shown = displayable(job.title)
    title = shown if len(shown) <= 48 else shown[:47] + "…"
    if not job.state.is_terminal:
        running_for = (now - job.created_at).total_seconds()
        detail = f"{job.progress:.0f}%" if job.progress is not None else duration_text(running_for)
    else:
        end = job.finished_at or job.updated_at
        took = duration_text((end - job.created_at).total_seconds())
        # "failed 3 min ago, after 2m 05s"
        detail = fill(
            QCoreApplication.translate("Tray", "%1 %2, after %3"), state_word(job.state), relative_time(end, now), took
        )
    # '&' would become a keyboard accelerator in a menu.
    return f"{title} · {provider_display_name(job.provider)} · {detail}".replace("&", "&&")


@dataclass(frozen=True, slots=True)
class TraySummary:
    key: TrayIconKey
    tooltip: str


def _tally_index(jobs: JobIndex, problems: Collection[str]) -> tuple[OpenTally, int, int, bool]:
    """`summarize`'s counts from an index: a pass over the open and failed jobs only."""
    tally = tally_open(((job.account, job.progress) for job in jobs.open_jobs()), problems)
    bad = jobs.bad_jobs()
    news = any(is_alarming(job) for job in bad)
    return tally, jobs.bad_count, jobs.done_count, news


def summarize(jobs: Jobs, muted_until: datetime | None, now: datetime, problems: Collection[str] = ()) -> TraySummary:
    """What the icon and tooltip say about `jobs`. A failure alarms until it is acknowledged (`core.alarms`).

    Precedence of the icon's look (issue 21): an unacknowledged failure, then an account problem, then the running
    count.

    One pass over the jobs: the app calls this after bursts of results with 10,000 of them.
    """
    if isinstance(jobs, JobIndex):
        tally, failed, done, news = _tally_index(jobs, problems)
    else:
        failed = done = 0
        news = False
        open_jobs: list[tuple[str, float | None]] = []
        for job in jobs:
            if job.archived:
                continue
            state = job.state
            if state in _BAD:
                failed += 1
                news = news or is_alarming(job)
            elif state in TERMINAL_STATES:
                done += 1
            else:
                open_jobs.append((job.account, job.progress))
        tally = tally_open(open_jobs, problems)
    open_count, waiting = tally.running, tally.waiting
    # news: the hook for acknowledgement (core.alarms.is_alarming): an unacknowledged failure comes first
    key = tray_key(
        alarming=news,
        problems=bool(problems),
        open_count=open_count,
        progress_sum=tally.progress_sum,
        progress_count=tally.progress_count,
        ended=bool(failed or done),
    )
    parts: list[str] = []
    if open_count:
        parts.append(QCoreApplication.translate("Tray", "%n running").replace("%n", str(open_count)))
    if waiting:
        parts.append(QCoreApplication.translate("Tray", "%n waiting").replace("%n", str(waiting)))
    if failed:
        parts.append(QCoreApplication.translate("Tray", "%n failed").replace("%n", str(failed)))
    if done:
        parts.append(QCoreApplication.translate("Tray", "%n ended").replace("%n", str(done)))
    text = QCoreApplication.translate("Tray", "JobTray: %1").replace(
        "%1", ", ".join(parts) if parts else QCoreApplication.translate("Tray", "no jobs watched")
    )
    for account in sorted(problems):
        text += "\n" + QCoreApplication.translate("Tray", "%1 cannot be checked").replace("%1", account)
    if muted_until is not None and muted_until > now:
        text += "\n" + QCoreApplication.translate("Tray", "Notifications muted until %1").replace(
            "%1", _short_time(muted_until)
        )
    return TraySummary(key, text)


def saving_text(received: int, total: int | None) -> str:
    """`saving 42%` (or `saving 3.1 MB` without a known size)."""
    if total:
        return QCoreApplication.translate("Tray", "saving %1%").replace(
            "%1", str(min(100, int(received * 100 / total)))
        )
    return QCoreApplication.translate("Tray", "saving %1 MB").replace("%1", f"{received / 1024**2:.1f}")


def mute_until(choice: str, now: datetime) -> datetime | None:
    """The end of a mute: 'hour' (an hour from now), 'tomorrow' (8:00 local tomorrow), 'off' (None)."""
    if choice == "hour":
        return now + timedelta(hours=1)
    if choice == "tomorrow":
        local = now.astimezone()
        morning = (local + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
        return morning.astimezone(UTC)
    return None


class TrayIcon(QObject):
    """The tray icon and its menu.

    Signals:
        open_url_requested(str): open a result link (already checked to be http or https by the app).
        remove_requested(int): stop watching the job with this row id.
        copy_id_requested(str): a job ID was copied (for a status message).
        check_now_requested(): check every open job now.
        mute_requested(object): mute until this datetime, or None to unmute.
        show_window_requested(): open the main window.
        add_job_requested(): open the Add job dialog.
        autostart_toggled(bool): the Start at login item was toggled.
        quit_requested(): quit the app.
        save_result_requested(int): save (again) the result of the job with this row id.
        open_file_requested(str): open a saved result (its path).
        settings_requested(): open the Settings dialog.
        clipboard_watch_toggled(bool): the Watch the clipboard item was toggled.
        acknowledge_requested(object): acknowledge these failures (a list of job row ids): they stop alarming.
        problem_action_requested(str, str): an account that cannot be checked was chosen in the menu (account name,
            `core.problems.ProblemKind` value): set its key, edit it, unlock the keyring...
        pending_action_requested(int, str): after-end work's action chosen (outbox row id, `ui.pending_work`
            RUN_AGAIN or DISCARD).
    """

    open_url_requested = Signal(str)
    remove_requested = Signal(int)
    copy_id_requested = Signal(str)
    check_now_requested = Signal()
    mute_requested = Signal(object)
    show_window_requested = Signal()
    add_job_requested = Signal()
    autostart_toggled = Signal(bool)
    quit_requested = Signal()
    save_result_requested = Signal(int)
    open_file_requested = Signal(str)
    settings_requested = Signal()
    clipboard_watch_toggled = Signal(bool)
    acknowledge_requested = Signal(object)
    problem_action_requested = Signal(str, str)
    pending_action_requested = Signal(int, str)

    def __init__(
        self,
        parent: QObject | None = None,
        clock: Callable[[], datetime] | None = None,
        icon: QSystemTrayIcon | None = None,
    ) -> None:
        """`icon`: the tray's icon already shown (app.early_tray): adopted, its picture kept until the first jobs
        are set (no flash of an empty tray's look before them)."""
        super().__init__(parent)
        self._clock = clock or (lambda: datetime.now(UTC))  # the menu's relative times (tests inject one)
        self._waiting_for_jobs = icon is not None
        if icon is None:
            icon = QSystemTrayIcon(self)
        else:
            icon.setParent(self)
        self.icon = icon
        self.menu = QMenu()
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self._jobs: Jobs = ()
        self._muted_until: datetime | None = None
        self._autostart: bool | None = None  # None: not available here
        self._clipboard_watch = False
        self._key: TrayIconKey | None = None
        self._submenus: list[QMenu] = []
        self._entries: list[tuple[QMenu, Job]] = []  # the job entries, their "3 min ago" redone when shown
        self._downloads: dict[int, tuple[int, int | None]] = {}  # row id -> (bytes so far, total)
        self._etas: Etas = {}  # row id -> (likely earliest end, likely latest end) of open jobs
        self._problems: dict[str, ProblemKind] = {}  # accounts that cannot be checked
        self._forward_problems: tuple[str, ...] = ()  # forwarding targets that cannot send (issue 21)
        self._pending: tuple[PendingItem, ...] = ()  # after-end work a person may act on (issue 18)
        self._stale = True
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.timeout.connect(self._rebuild_if_closed)
        self.menu.aboutToShow.connect(self._on_menu_shown)
        self.menu.aboutToHide.connect(self._on_menu_hidden)
        self.refresh()
        self.rebuild_menu()

    # ---- inputs from the app -------------------------------------------------------------------------------

    def set_jobs(self, jobs: Jobs) -> None:
        """The current jobs (the app's snapshot; not copied). Icon and tooltip now, menu shortly."""
        self._jobs = jobs
        self._waiting_for_jobs = False
        self.refresh()
        self._stale = True
        self._rebuild_timer.start(REBUILD_DELAY_MS)

    def set_muted_until(self, until: datetime | None) -> None:
        self._muted_until = until
        self.refresh()
        self._stale = True
        self._rebuild_timer.start(REBUILD_DELAY_MS)

    def set_downloads(self, downloads: Mapping[int, tuple[int, int | None]]) -> None:
        """Results being saved now: (bytes so far, total or None) by job row id, shown in their menu entries."""
        self._downloads = dict(downloads)
        self._stale = True
        self._rebuild_timer.start(REBUILD_DELAY_MS)

    def set_etas(self, etas: Etas) -> None:
        """Open jobs' likely ends (`engine.etas.job_etas`), shown as "likely in 4-6 min" in their entries."""
        self._etas = dict(etas)
        self._stale = True
        self._rebuild_timer.start(REBUILD_DELAY_MS)

    def set_account_problems(self, problems: Mapping[str, ProblemKind]) -> None:
        """Accounts that cannot be checked: a warning on the icon (after an unacknowledged failure, before the
        running count) and a line per account in the menu with what to do."""
        new = dict(problems)
        if new == self._problems:
            return
        self._problems = new
        self.refresh()
        self._stale = True
        self._rebuild_timer.start(REBUILD_DELAY_MS)

    def set_forward_problems(self, lines: Sequence[str]) -> None:
        """Forwarding targets that cannot send (an unset variable, a receiver that fails): a line each in the menu,
        which opens the Settings; a problem shown, never a silence."""
        new = tuple(lines)
        if new == self._forward_problems:
            return
        self._forward_problems = new
        self._stale = True
        self._rebuild_timer.start(REBUILD_DELAY_MS)

    def set_pending(self, items: Sequence[PendingItem]) -> None:
        """After-end work that failed, was stopped or may not have finished: a line each near the top of the menu,
        with Save again / Run again and Discard."""
        new = tuple(items)
        if new == self._pending:
            return
        self._pending = new
        self._stale = True
        self._rebuild_timer.start(REBUILD_DELAY_MS)

    def set_clipboard_watch(self, enabled: bool) -> None:
        """Checked state of Watch the clipboard (off unless the user turned it on)."""
        self._clipboard_watch = enabled
        self._stale = True
        self._rebuild_timer.start(REBUILD_DELAY_MS)

    def set_autostart(self, enabled: bool | None) -> None:
        """Checked state of Start at login; None hides it (not available)."""
        self._autostart = enabled
        self._stale = True
        self._rebuild_timer.start(REBUILD_DELAY_MS)

    def acknowledge(self) -> None:
        """The window or the menu was opened. Failures alarm until acknowledged in the store (issue 21: the
        Acknowledge entries, a notification's action, `jobtray ack`), not until seen: this only refreshes."""
        self.refresh()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def refresh(self) -> None:
        if self._waiting_for_jobs:
            return  # an adopted icon shows the store's state already: not an empty tray's meanwhile
        now = datetime.now(UTC)
        summary = summarize(self._jobs, self._muted_until, now, self._problems)
        if summary.key != self._key:
            self._key = summary.key
            self.icon.setIcon(tray_icon(summary.key))
        if self.icon.toolTip() != summary.tooltip:
            self.icon.setToolTip(summary.tooltip)

    # ---- the menu ------------------------------------------------------------------------------------------

    def _rebuild_if_closed(self) -> None:
        if not self.menu.isVisible():
            self.rebuild_menu()

    def rebuild_menu(self) -> None:
        """Recreate the menu from the current jobs; cheap (at most MENU_JOBS job entries)."""
        self._stale = False
        self.menu.clear()
        for submenu in self._submenus:
            submenu.deleteLater()
        self._submenus = []
        self._entries = []
        now = self._clock()
        for account, kind in sorted(self._problems.items()):  # first: what waits for the user
            line = self.menu.addAction(warning_icon(), problem_line(account, kind).replace("&", "&&"))
            line.triggered.connect(lambda _=False, a=account, k=kind.value: self.problem_action_requested.emit(a, k))
        for text in self._forward_problems:
            self.menu.addAction(warning_icon(), displayable(text).replace("&", "&&")).triggered.connect(
                self.settings_requested
            )
        for item in self._pending[:MENU_PENDING]:
            pending = QMenu(pending_text(item).replace("&", "&&"), self.menu)
            pending.setIcon(warning_icon())
            self._submenus.append(pending)
            for label, action in pending_actions(item):
                pending.addAction(label).triggered.connect(
                    lambda _=False, r=item.row_id, a=action: self.pending_action_requested.emit(r, a)
                )
            self.menu.addMenu(pending)
        if len(self._pending) > MENU_PENDING:  # the rest in the window (each job's own) and `jobtray pending`
            more = len(self._pending) - MENU_PENDING
            self.menu.addAction(
                self.tr("More unfinished after-end work (%1)...").replace("%1", str(more))
            ).triggered.connect(self.show_window_requested)
        if self._problems or self._forward_problems or self._pending:
            self.menu.addSeparator()
        jobs = recent_jobs(self._jobs)
        if jobs:
            header = self.menu.addAction(self.tr("Recent jobs"))
            header.setEnabled(False)
            for job in jobs:
                self._add_job_entry(job, now)
        else:
            empty = self.menu.addAction(self.tr("No jobs watched yet"))
            empty.setEnabled(False)
        failures = self._jobs.bad_jobs() if isinstance(self._jobs, JobIndex) else self._jobs
        alarming = [j.id for j in failures if is_alarming(j)]
        if alarming:
            every = self.menu.addAction(self.tr("Acknowledge failures (%1)").replace("%1", str(len(alarming))))
            every.triggered.connect(lambda _=False, r=alarming: self.acknowledge_requested.emit(r))
        self.menu.addSeparator()
        self.menu.addAction(self.tr("Check now")).triggered.connect(self.check_now_requested)
        self._add_mute_menu(now)
        self.menu.addSeparator()
        self.menu.addAction(self.tr("Open JobTray")).triggered.connect(self.show_window_requested)
        self.menu.addAction(self.tr("Add job...")).triggered.connect(self.add_job_requested)
        self.menu.addAction(self.tr("Settings...")).triggered.connect(self.settings_requested)
        clipboard = self.menu.addAction(self.tr("Watch the clipboard"))
        clipboard.setCheckable(True)
        clipboard.setChecked(self._clipboard_watch)
        clipboard.setToolTip(self.tr("Offer to watch job IDs you copy (never a password manager's)"))
        clipboard.toggled.connect(self.clipboard_watch_toggled)
        if self._autostart is not None:
            login = self.menu.addAction(self.tr("Start at login"))
            login.setCheckable(True)
            login.setChecked(self._autostart)
            login.toggled.connect(self.autostart_toggled)
        self.menu.addSeparator()
        self.menu.addAction(self.tr("Quit")).triggered.connect(self.quit_requested)

    def _entry_text(self, job: Job, now: datetime) -> str:
        text = job_menu_text(job, now)
        likely = job_eta_text(job, self._etas, now)
        if likely is not None:
            text += f" · {likely}"
        saving = self._downloads.get(job.id)
        if saving is not None:
            text += f" · {saving_text(*saving)}"
        return text

    def _add_job_entry(self, job: Job, now: datetime) -> None:
        saving = self._downloads.get(job.id)
        submenu = QMenu(self._entry_text(job, now), self.menu)
        submenu.setIcon(state_icon(job.state))
        self._submenus.append(submenu)
        self._entries.append((submenu, job))
        open_result = submenu.addAction(self.tr("Open result"))
        open_result.setEnabled(bool(job.result_url))
        url = job.result_url or ""
        open_result.triggered.connect(lambda _=False, u=url: self.open_url_requested.emit(u))
        if job.result_file:
            path = job.result_file
            submenu.addAction(self.tr("Open file")).triggered.connect(
                lambda _=False, p=path: self.open_file_requested.emit(p)
            )
        if saving is not None:
            submenu.addAction(self.tr("Saving the result: %1").replace("%1", saving_text(*saving))).setEnabled(False)
        elif job.download_error and job.result_url:
            again = submenu.addAction(self.tr("Save result again"))
            again.setToolTip(displayable(job.download_error))
            again.triggered.connect(lambda _=False, r=job.id: self.save_result_requested.emit(r))
        if is_alarming(job):
            submenu.addAction(self.tr("Acknowledge")).triggered.connect(
                lambda _=False, r=job.id: self.acknowledge_requested.emit([r])
            )
        submenu.addAction(self.tr("Copy ID")).triggered.connect(lambda _=False, j=job.job_id: self._copy_id(j))
        submenu.addAction(self.tr("Remove")).triggered.connect(lambda _=False, r=job.id: self.remove_requested.emit(r))
        self.menu.addMenu(submenu)

    def _add_mute_menu(self, now: datetime) -> None:
        mute = QMenu(self.tr("Mute notifications"), self.menu)
        self._submenus.append(mute)
        group = QActionGroup(mute)
        muted = self._muted_until is not None and self._muted_until > now
        choices = [(self.tr("For 1 hour"), "hour"), (self.tr("Until tomorrow"), "tomorrow"), (self.tr("Off"), "off")]
        for text, choice in choices:
            action: QAction = mute.addAction(text)
            action.setCheckable(True)
            action.setData(choice)
            group.addAction(action)
            if choice == "off":
                action.setChecked(not muted)
            action.triggered.connect(lambda _=False, c=choice: self._mute(c))
        if muted and self._muted_until is not None:
            mute.setTitle(self.tr("Mute notifications (until %1)").replace("%1", _short_time(self._muted_until)))
        self.menu.addMenu(mute)

    def _mute(self, choice: str) -> None:
        self.mute_requested.emit(mute_until(choice, datetime.now(UTC)))

    def _copy_id(self, job_id: str) -> None:
        QGuiApplication.clipboard().setText(job_id)
        self.copy_id_requested.emit(job_id)

    def _on_menu_shown(self) -> None:
        # The menu may have been built long ago: its "3 min ago" are redone now (titles only, nothing moves).
        now = self._clock()
        for submenu, job in self._entries:
            submenu.setTitle(self._entry_text(job, now))

    def _on_menu_hidden(self) -> None:
        if self._stale:
            self._rebuild_timer.start(REBUILD_DELAY_MS)

    def _on_activated(self, reason: Any) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window_requested.emit()
