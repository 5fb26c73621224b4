"""Desktop notifications for jobs that end and accounts that fail, native where possible.

Native notifications go through `desktop-notifier` (freedesktop Notifications over D-Bus on Linux, the system's
notification centre on macOS and Windows): it types the D-Bus call correctly, which QtDBus does not (see
TESTING.md). Where no native server answers, messages fall back to `QSystemTrayIcon.showMessage`.

Threading: desktop-notifier is asyncio-based and only delivers button clicks while an asyncio loop runs. Its sync
wrapper (`DesktopNotifierSync`) runs the loop only during a call, so clicks would be lost, and a slow D-Bus server
would block the GUI thread. So `_NativeSender` runs one asyncio loop in a daemon thread of its own; the GUI thread
hands it frozen `_Message`s with `run_coroutine_threadsafe` and never waits on it (`start` does not wait for the
thread either; `close` waits at most its budget). Clicks and delivery failures come back through `_Bridge` signals
with queued connections, so every public signal of `Notifier` is emitted on the GUI thread.

Never blocks, never drops (issue 18): every message has a deadline (`timeout` after it was asked for, 2 s by
default) that covers connecting, asking the server's capabilities and the Notify call. A server that does not
answer in time (hung, not dead) costs that message its native try, not its showing: it goes to the fallback, and
the next message tries the server again. A server that is gone or refuses is left alone for a few minutes.

The fallback is the tray icon's balloon; with no tray icon either (a Wayland compositor with no notification
daemon), `shown_in_window` carries the message to the app, which raises or flashes the window with a banner of
what ended since it was last seen. Each route is told once in the log, in words that say what really happens.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import html
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QSystemTrayIcon

from desktop_app.core.alarms import ALARMING_STATES
from desktop_app.core.ids import provider_display_name
from desktop_app.core.model import Job, JobState, StatusChange
from desktop_app.core.rules import QuietHours, telling
from desktop_app.core.settings import AccountSettings
from desktop_app.core.text import clipped, displayable
from desktop_app.core.transitions import Event
from desktop_app.core.urls import is_openable_link
from desktop_app.ui.icons import notification_icon, notification_icon_files
from desktop_app.ui.texts import QT_TRANSLATE_NOOP, fill

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger(__name__)

APP_NAME = "JobTray"
SUMMARY_THRESHOLD = 3  # more endings than this in one round: one summary instead
MAX_LABEL_CHARS = 80
MAX_MESSAGE_CHARS = 300
SUMMARY_LINES = 5
FALLBACK_MSECS = 10_000
# After the native server failed, give it another try this much later (it may have been restarted).
NATIVE_RETRY_SECONDS = 300.0
# The longest a notification waits for the native server (connect, capabilities, Notify) before the fallback.
NOTIFY_TIMEOUT_SECONDS = 2.0
# What `close` may spend at quit (part of the tray's quit budget, docs/ARCHITECTURE.md).
CLOSE_TIMEOUT_SECONDS = 0.5

# Fixed button keys (not desktop-notifier's random UUIDs): they appear in ActionInvoked, which keeps logs and
# tests readable.
ACTION_OPEN = "open-result"
ACTION_SHOW = "show"
ACTION_OPEN_FILE = "open-file"
ACTION_SHOW_FOLDER = "show-folder"
ACTION_WATCH = "watch"
HOLD_CHECK_MS = 60_000  # how often held endings look whether quiet hours or do-not-disturb are over
ACTION_ACK = "acknowledge"  # a failure's "Acknowledge" (issue 21): it stops alarming

# Source texts of the "Notifier" context, translated when a message is made (on the GUI thread). The state words
# are those of `list --json` (issue 20: one vocabulary).
_TITLES: dict[Event, str] = {
    Event.FINISHED: QT_TRANSLATE_NOOP("Notifier", "Succeeded: %1"),
    Event.PARTLY_FINISHED: QT_TRANSLATE_NOOP("Notifier", "Partial: %1"),
    Event.FAILED: QT_TRANSLATE_NOOP("Notifier", "Failed: %1"),
    Event.CANCELLED: QT_TRANSLATE_NOOP("Notifier", "Cancelled: %1"),
    Event.NOT_FOUND: QT_TRANSLATE_NOOP("Notifier", "Not found: %1"),
}
# Order of the counts in a summary title.
_COUNT_WORDS: dict[Event, str] = {
    Event.FINISHED: QT_TRANSLATE_NOOP("Notifier", "%n succeeded"),
    Event.PARTLY_FINISHED: QT_TRANSLATE_NOOP("Notifier", "%n partial"),
    Event.FAILED: QT_TRANSLATE_NOOP("Notifier", "%n failed"),
    Event.CANCELLED: QT_TRANSLATE_NOOP("Notifier", "%n cancelled"),
    Event.NOT_FOUND: QT_TRANSLATE_NOOP("Notifier", "%n not found"),
}
_BAD_ENDINGS = frozenset({Event.FAILED, Event.CANCELLED, Event.NOT_FOUND})


@dataclass(frozen=True, slots=True)
class _Message:
    """One notification, ready to show; crosses to the sender thread, so frozen.

    Attributes:
        job_row_id: the job's row id for "Show" and a click on the body; None means "show the window".
        url: the result link for "Open result"; only http(s) links get here.
        warning: shown with a warning icon in the tray fallback.
    """

    title: str
    body: str
    job_row_id: int | None = None
    url: str | None = None
    warning: bool = False
    watch_key: str | None = None  # an offer (clipboard): its only button is "Watch", which sends this key back
    # The job's ending, for an icon that looks like it (a failure's, a success's), natively and in the fallback.
    state: JobState | None = None
    file: str | None = None  # a saved result: "Open file" and "Show in folder"
    urgent: bool = False  # the account's "failures are urgent"
    sound: bool = True


def _tr(text: str, n: int | None = None) -> str:
    # %n filled here, not by Qt: a message lupdate saw without a literal count is no numerus message, and Qt finds
    # no translation for it when asked with a count. German needs no plural in these (counts of 2 and more, or
    # words that do not change).
    text = QCoreApplication.translate("Notifier", text)
    return text if n is None else text.replace("%n", str(n))


def _titled(event: Event, label: str) -> str:
    """`Failed: label`, translated."""
    return fill(_tr(_TITLES[event]), _shorten(label, MAX_LABEL_CHARS))


def _shorten(text: str, limit: int) -> str:
    # Server text: no escape sequence or bidi override in a notification; newlines and tabs become spaces.
    return clipped(" ".join(displayable(text).split()), limit)


def _ending(change: StatusChange) -> Event | None:
    # The events the store computed when it recorded the change (core.transitions, once): never recomputed here.
    for name in change.events:
        event = Event(name)
        if event in _TITLES:
            return event
    return None


def _job_message(change: StatusChange, event: Event, settings: AccountSettings | None = None) -> _Message:
    job = change.job
    settings = settings or AccountSettings()
    title = _titled(event, job.title)
    body = f"{provider_display_name(job.provider)} ({job.account})"
    if job.message:
        body += f": {_shorten(job.message, MAX_MESSAGE_CHARS)}"
    url = job.result_url if is_openable_link(job.result_url) else None
    bad = event in _BAD_ENDINGS
    return _Message(
        title=title,
        body=body,
        job_row_id=job.id,
        url=url,
        warning=bad,
        state=job.state,
        urgent=bad and settings.urgent_failures,
        sound=settings.sound,
    )


def _summary_message(endings: Sequence[tuple[StatusChange, Event]]) -> _Message:
    counts = Counter(event for _, event in endings)
    parts = [_tr(word, counts[event]) for event, word in _COUNT_WORDS.items() if counts[event]]
    ended = len(endings)
    template = QCoreApplication.translate("Notifier", "%n jobs ended: %1").replace("%n", str(ended))
    title = fill(template, ", ".join(parts))
    # Bad news first: those are the lines worth reading in a long list.
    ordered = sorted(endings, key=lambda pair: pair[1] not in _BAD_ENDINGS)
    lines = [_titled(event, change.job.title) for change, event in ordered]
    if len(lines) > SUMMARY_LINES:
        more = len(lines) - SUMMARY_LINES + 1
        and_more = QCoreApplication.translate("Notifier", "and %n more").replace("%n", str(more))
        lines = [*lines[: SUMMARY_LINES - 1], and_more]
    bad = any(e in _BAD_ENDINGS for _, e in endings)
    state = JobState.FAILED if bad else JobState.SUCCEEDED
    return _Message(title=title, body="\n".join(lines), warning=bad, state=state)


def _native_possible() -> tuple[bool, str]:
    """Whether a native notification service can exist at all here, and why not."""
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return True, ""
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        # dbus-fast falls back to $XDG_RUNTIME_DIR/bus, the systemd user bus.
        if runtime and Path(runtime, "bus").exists():
            return True, ""
        return False, "no D-Bus session bus"
    try:
        from desktop_notifier.main import get_backend_class

        backend = get_backend_class()
    except Exception as exc:  # an import or platform probe failing means: no native notifications
        return False, f"desktop-notifier is unusable: {exc}"
    if backend.__name__ == "DummyNotificationCenter":
        # macOS outside an app bundle (or an old Windows): desktop-notifier would silently drop everything.
        return False, "the system notification centre is not reachable from this process"
    return True, ""


class _Bridge(QObject):
    """Signals the sender thread emits; connected queued, so their slots run on the GUI thread.

    Signals:
        action(str, str): a notification was clicked: (kind, payload) with kind "open", "job" or "window".
        undelivered(object): a `_Message` the native server did not take; show it another way.
        native_state(bool, str): the native service became (un)available, with the reason.
    """

    action = Signal(str, str)
    undelivered = Signal(object)
    native_state = Signal(bool, str)


def _emit_safely(signal: Any, *args: object) -> None:
    # A click can arrive while the Notifier (and so the bridge) is being destroyed; that click has nowhere to go.
    with contextlib.suppress(RuntimeError):
        signal.emit(*args)


def _guarded(method: Callable[..., None]) -> Callable[..., None]:
    """A notifier entry point that must never raise into its caller (a worker's result, a slot): an unexpected
    exception is logged with its traceback and told once, as plainly as the notifier still can."""

    @functools.wraps(method)
    def guarded(self: Notifier, *args: Any, **kwargs: Any) -> None:
        try:
            method(self, *args, **kwargs)
        except Exception:
            log.exception("showing a notification failed (%s)", method.__name__)
            self._tell_broken()

    return guarded


def _asyncio() -> Any:
    """asyncio, imported on first use (with ssl, ~10 MB)."""
    import asyncio

    return asyncio


class _NativeSender:
    """desktop-notifier and its asyncio loop, in a daemon thread of their own.

    Everything below `_run` executes on that thread; `send` and `close` are called from the GUI thread and only
    schedule work there.
    """

    def __init__(
        self,
        bridge: _Bridge,
        app_icon_path: str | None,
        state_icons: Callable[[], Mapping[JobState, str]] | None = None,
        timeout: float = NOTIFY_TIMEOUT_SECONDS,
    ) -> None:
        self._bridge = bridge
        self._timeout = timeout
        self._app_icon_path = app_icon_path
        # PNG files drawn on the GUI thread when the first notification starts the loop, not before the tray shows
        # (drawing and saving them cost ~13 ms and ~5 MB a quiet tray never needs; issue 19).
        self._draw_state_icons = state_icons
        self._state_icons: dict[JobState, str] = {}
        # The buttons' words, translated here on the GUI thread (the loop thread only reads them).
        self._words = {
            ACTION_WATCH: QCoreApplication.translate("Notifier", "Watch"),
            ACTION_OPEN_FILE: QCoreApplication.translate("Notifier", "Open file"),
            ACTION_SHOW_FOLDER: QCoreApplication.translate("Notifier", "Show in folder"),
            ACTION_OPEN: QCoreApplication.translate("Notifier", "Open result"),
            ACTION_SHOW: QCoreApplication.translate("Notifier", "Show"),
            ACTION_ACK: QCoreApplication.translate("Notifier", "Acknowledge"),
        }
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        self._thread = threading.Thread(target=self._run, name="jobtray-notifier", daemon=True)
        # Loop-thread state (only touched there).
        self._notifier: Any = None
        self._lock: asyncio.Lock | None = None
        self._down_until = 0.0
        self._probed = False
        self._pending: set[concurrent.futures.Future[None]] = set()

    def start(self) -> None:
        """Never waits: the loop is made here, and work handed to it before its thread runs simply queues."""
        self._started = True
        if self._draw_state_icons is not None:
            self._state_icons = dict(self._draw_state_icons())  # read only by the loop thread, started below
        self._loop = _asyncio().new_event_loop()
        self._thread.start()

    def send(self, message: _Message) -> None:
        if not self._started:
            self.start()  # the first notification starts the thread: a quiet tray never loads asyncio
        loop = self._loop
        if loop is None or loop.is_closed() or not self._thread.is_alive():
            self._bridge.undelivered.emit(message)
            return
        deadline = time.monotonic() + self._timeout
        future = _asyncio().run_coroutine_threadsafe(self._send(message, deadline), loop)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def close(self, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Let queued notifications go out, disconnect from D-Bus and stop the thread, within `timeout` in all."""
        loop = self._loop
        if loop is None or not self._thread.is_alive():
            return
        deadline = time.monotonic() + timeout
        for future in list(self._pending):
            with contextlib.suppress(Exception):
                future.result(timeout=max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(Exception):
            future = _asyncio().run_coroutine_threadsafe(self._disconnect(wait=True), loop)
            future.result(timeout=max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(RuntimeError):  # the loop closed on its own already
            loop.call_soon_threadsafe(loop.stop)
        # A daemon thread: one stuck in a D-Bus call past the budget does not keep the process alive.
        self._thread.join(timeout=max(0.0, deadline - time.monotonic()))

    # ---- the loop thread -----------------------------------------------------------------------------------

    def _run(self) -> None:
        asyncio = _asyncio()
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        with contextlib.suppress(Exception):  # imported before the first message's deadline runs out on it
            import desktop_notifier  # noqa: F401
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _new_notifier(self) -> Any:
        from desktop_notifier import DesktopNotifier, Icon

        icon = Icon(path=Path(self._app_icon_path)) if self._app_icon_path else None
        return DesktopNotifier(app_name=APP_NAME, app_icon=icon)

    async def _disconnect(self, wait: bool = False) -> None:
        bus = getattr(getattr(self._notifier, "_backend", None), "bus", None)
        self._notifier = None
        if bus is not None:
            with contextlib.suppress(Exception):
                bus.disconnect()
            if wait:  # at close only: a message must not spend its deadline on the previous connection
                with contextlib.suppress(Exception):
                    await _asyncio().wait_for(bus.wait_for_disconnect(), 1.0)

    async def _send(self, message: _Message, deadline: float) -> None:
        asyncio = _asyncio()
        if self._lock is None:
            self._lock = asyncio.Lock()  # one send at a time keeps notifications in order
        async with self._lock:
            # The deadline counts from when the message was asked for: waiting behind a hung call counts too.
            remaining = deadline - time.monotonic()
            delivered = False
            if remaining > 0:
                try:
                    delivered = await asyncio.wait_for(self._deliver(message), remaining)
                except TimeoutError:
                    self._timed_out()
                except Exception:  # never let a notification problem escape into the loop
                    log.debug("native notification failed", exc_info=True)
            else:
                self._timed_out()
            if not delivered:
                _emit_safely(self._bridge.undelivered, message)

    def _timed_out(self) -> None:
        # Hung, not gone: the next message tries again (no `_down_until`), on a fresh connection if the probe hung.
        reason = f"the notification server did not answer within {self._timeout:g} s"
        _emit_safely(self._bridge.native_state, False, reason)

    async def _deliver(self, message: _Message) -> bool:
        if time.monotonic() < self._down_until:
            return False
        if self._notifier is None or not self._probed:
            await self._disconnect()
            self._notifier = self._new_notifier()
            try:
                # Connects to the server and asks what it supports: raises when there is nobody to talk to,
                # where send_notification would only log a warning with a traceback.
                await self._notifier.get_capabilities()
            except Exception as exc:
                await self._mark_down(f"{type(exc).__name__}: {exc}")
                return False
            self._probed = True
            _emit_safely(self._bridge.native_state, True, "")

        from desktop_notifier import DEFAULT_SOUND, Button, Icon, Notification, Urgency

        dispatched = False

        def on_dispatched() -> None:
            nonlocal dispatched
            dispatched = True

        buttons: list[Button] = []
        words = self._words
        if message.watch_key is not None:
            watch = self._emitter("watch", message.watch_key)
            buttons.append(Button(words[ACTION_WATCH], on_pressed=watch, identifier=ACTION_WATCH))
        elif message.file:
            open_file = self._emitter("file", message.file)
            buttons.append(Button(words[ACTION_OPEN_FILE], on_pressed=open_file, identifier=ACTION_OPEN_FILE))
            show_folder = self._emitter("folder", message.file)
            buttons.append(Button(words[ACTION_SHOW_FOLDER], on_pressed=show_folder, identifier=ACTION_SHOW_FOLDER))
        elif message.url:
            buttons.append(
                Button(words[ACTION_OPEN], on_pressed=self._emitter("open", message.url), identifier=ACTION_OPEN)
            )
        show_kind, show_payload = ("job", str(message.job_row_id)) if message.job_row_id is not None else ("window", "")
        if message.watch_key is None:
            buttons.append(
                Button(
                    self._words[ACTION_SHOW], on_pressed=self._emitter(show_kind, show_payload), identifier=ACTION_SHOW
                )
            )
        if message.job_row_id is not None and message.state in ALARMING_STATES and message.watch_key is None:
            ack = self._emitter("ack", str(message.job_row_id))
            buttons.append(Button(words[ACTION_ACK], on_pressed=ack, identifier=ACTION_ACK))
        body = message.body
        if sys.platform.startswith("linux") or "bsd" in sys.platform:
            # freedesktop servers with body-markup (dunst, GNOME, KDE) would read "<" and "&" in a provider's
            # message as markup; escaped, they show the text as it was.
            body = html.escape(body, quote=False)
        icon_file = self._state_icons.get(message.state) if message.state is not None else None
        notification = Notification(
            title=message.title,
            message=body,
            urgency=Urgency.Critical if message.urgent else Urgency.Normal,
            icon=Icon(path=Path(icon_file)) if icon_file else None,
            sound=DEFAULT_SOUND if message.sound else None,
            buttons=tuple(buttons),
            # An offer does nothing until its button is pressed; a click on its body only dismisses it.
            on_clicked=None if message.watch_key is not None else self._emitter(show_kind, show_payload),
            on_dispatched=on_dispatched,
        )
        # desktop-notifier catches and logs its own send errors; `on_dispatched` tells us whether it went out.
        await self._notifier.send_notification(notification)
        if not dispatched:
            await self._mark_down("the notification server refused the notification")
        return dispatched

    async def _mark_down(self, reason: str) -> None:
        self._down_until = time.monotonic() + NATIVE_RETRY_SECONDS
        self._probed = False  # reconnect from scratch next time: the bus itself may have gone
        await self._disconnect()
        _emit_safely(self._bridge.native_state, False, reason)

    def _emitter(self, kind: str, payload: str) -> Callable[[], None]:
        bridge = self._bridge

        def emit() -> None:
            # Runs on the loop thread; the queued connection carries it to the GUI thread.
            _emit_safely(bridge.action, kind, payload)

        return emit


class Notifier(QObject):
    """Tells the user about jobs that end and accounts that fail, without flooding them.

    One notification per job that ends; more than three endings in one round make one summary. Account errors
    are shown once per outage (until `clear_account_error`). Nothing is shown while muted, and nothing is saved
    for later: muting is not queuing.

    Signals:
        open_url_requested(str): the user clicked "Open result"; an http(s) link.
        show_job_requested(int): the user clicked "Show" or a job's notification; the job's row id.
        show_window_requested(): the user clicked a summary or an account error.
        shown_in_window(str, str, bool): neither a notification server nor a tray icon took a message: (title,
            body, warning) for the window to show (raised or flashed, with a banner of what ended).
        acknowledge_requested(int): the user clicked a failure's "Acknowledge"; the job's row id.
    """

    open_url_requested = Signal(str)
    show_job_requested = Signal(int)
    show_window_requested = Signal()
    watch_offer_accepted = Signal(str)
    open_file_requested = Signal(str)  # "Open file" on a saved result: its path
    show_folder_requested = Signal(str)  # "Show in folder" on a saved result: its path
    shown_in_window = Signal(str, str, bool)
    acknowledge_requested = Signal(int)  # a failure's "Acknowledge" button: its job row id

    def __init__(
        self,
        parent: QObject | None = None,
        app_icon_path: str | None = None,
        timeout: float = NOTIFY_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(parent)
        self._muted_until: datetime | None = None
        self._account_settings: dict[str, AccountSettings] = {}
        self._errored_accounts: set[str] = set()
        self._tray: QSystemTrayIcon | None = None
        self._fallback_target: _Message | None = None
        self._told_routes: set[str] = set()
        self._told_broken = False
        self._native_reason = ""
        self._native_ok: bool | None = None
        self._closed = False
        self._bridge = _Bridge(self)
        queued = Qt.ConnectionType.QueuedConnection
        self._bridge.action.connect(self._on_action, queued)
        self._bridge.undelivered.connect(self._on_undelivered, queued)
        self._bridge.native_state.connect(self._on_native_state, queued)
        # Quiet hours and do-not-disturb (issue 21): endings held, then told in one summary once they end.
        self._quiet: QuietHours | None = None
        self._respect_dnd = True
        self._dnd: Callable[[], bool | None] | None = None
        self._held: list[tuple[StatusChange, Event]] = []
        self._hold_timer = QTimer(self)
        self._hold_timer.setInterval(HOLD_CHECK_MS)
        self._hold_timer.timeout.connect(self._release_held)
        self._sender: _NativeSender | None = None
        possible, reason = _native_possible()
        if possible:
            # Started with the first notification (asyncio and desktop-notifier cost ~10 MB a quiet tray saves).
            self._sender = _NativeSender(self._bridge, app_icon_path, notification_icon_files, timeout)
        else:
            self._on_native_state(False, reason)

    # ---- slots ---------------------------------------------------------------------------------------------

    @Slot(list)
    @_guarded
    def notify_changes(self, changes: list[StatusChange]) -> None:
        """Announce the jobs among `changes` that ended; starts and re-runs stay quiet."""
        endings = [
            (change, event)
            for change in changes
            if (event := _ending(change)) is not None and self._settings(change.job.account).notifies(change.new_state)
        ]
        if not endings or self._is_muted():
            return
        if self._held_because() is not None:
            self._held.extend(endings)  # still in the menu and the window; told when the quiet ends
            if not self._hold_timer.isActive():
                self._hold_timer.start()
            return
        if len(endings) > SUMMARY_THRESHOLD:
            self._show(_summary_message(endings))
            return
        for change, event in endings:
            self._show(_job_message(change, event, self._settings(change.job.account)))

    def set_telling(
        self,
        quiet: QuietHours | None,
        respect_dnd: bool = True,
        dnd: Callable[[], bool | None] | None = None,
    ) -> None:
        """Quiet hours (local time) and the desktop's do-not-disturb (`dnd`: a reader, e.g.
        `system.presence.read_dnd`; None when the desktop's cannot be read): endings in them are held and told in
        one summary when they end (checked each minute)."""
        self._quiet, self._respect_dnd, self._dnd = quiet, respect_dnd, dnd
        self._release_held()

    def _held_because(self) -> str | None:
        if self._quiet is None and (self._dnd is None or not self._respect_dnd):
            return None
        dnd = self._dnd() if self._dnd is not None and self._respect_dnd else None
        return telling(datetime.now().astimezone(), self._quiet, dnd, self._respect_dnd).held_because

    @Slot()
    def _release_held(self) -> None:
        if not self._held:
            self._hold_timer.stop()
            return
        if self._held_because() is not None:
            return
        held, self._held = self._held, []
        self._hold_timer.stop()
        if self._is_muted():
            return
        if len(held) == 1:
            change, event = held[0]
            self._show(_job_message(change, event, self._settings(change.job.account)))
        else:
            self._show(_summary_message(held))

    def set_account_settings(self, settings: Mapping[str, AccountSettings]) -> None:
        """Per account: which endings notify, with sound or not, failures urgent or not."""
        self._account_settings = dict(settings)

    def _settings(self, account: str) -> AccountSettings:
        return self._account_settings.get(account) or AccountSettings()

    @_guarded
    def notify_saved(self, job: Job) -> None:
        """A job's result was saved: "Open file" and "Show in folder". Quiet while muted, like its ending."""
        if job.result_file is None or self._is_muted() or not self._settings(job.account).notifies(job.state):
            return
        self._show(
            _Message(
                title=self.tr("Saved: %1").replace("%1", _shorten(job.title, MAX_LABEL_CHARS)),
                body=_shorten(job.result_file, MAX_MESSAGE_CHARS),
                job_row_id=job.id,
                state=JobState.SUCCEEDED,
                file=job.result_file,
                sound=False,
            )
        )

    @_guarded
    def notify_not_saved(self, job: Job, reason: str) -> None:
        """Saving a result failed (the job still succeeded); shown even while muted, once per attempt."""
        self._show(
            _Message(
                title=self.tr("Result not saved: %1").replace("%1", _shorten(job.title, MAX_LABEL_CHARS)),
                body=self.tr("%1. Try again from the tray menu (Save result again).").replace(
                    "%1", _shorten(reason, MAX_MESSAGE_CHARS)
                ),
                job_row_id=job.id,
                url=job.result_url if is_openable_link(job.result_url) else None,
                warning=True,
                sound=False,
            )
        )

    @Slot(str, str)
    @_guarded
    def notify_account_error(self, account: str, message: str) -> None:
        """Tell the user an account cannot be checked, once per outage."""
        if account in self._errored_accounts:
            return
        # Counted as told even while muted: unmuting must not replay an outage the tray icon already shows.
        self._errored_accounts.add(account)
        if self._is_muted():
            return
        self._show(
            _Message(
                title=self.tr("Cannot check %1").replace("%1", _shorten(account, MAX_LABEL_CHARS)),
                body=_shorten(message, MAX_MESSAGE_CHARS),
                warning=True,
            )
        )

    @Slot(str, str)
    @_guarded
    def notify_problem(self, title: str, message: str) -> None:
        """Tell the user about a problem of the app itself (a damaged database, an unexpected error).

        Shown even while muted: muting silences jobs, not the app telling you it could not do its job.
        """
        self._show(
            _Message(title=_shorten(title, MAX_LABEL_CHARS), body=_shorten(message, MAX_MESSAGE_CHARS), warning=True)
        )

    @_guarded
    def remind_failure(self, job: Job) -> None:
        """An unacknowledged failure, told once more (after `renotify-hours`), with its Acknowledge button."""
        if self._is_muted():
            return
        body = f"{provider_display_name(job.provider)} ({job.account})"
        if job.message:
            body += f": {_shorten(job.message, MAX_MESSAGE_CHARS)}"
        title = self.tr("Still failed: %1").replace("%1", _shorten(job.title, MAX_LABEL_CHARS))
        self._show(_Message(title=title, body=body, job_row_id=job.id, warning=True, state=job.state, sound=False))

    @_guarded
    def announce_watching(self, job: Job) -> None:
        """A job came from outside (a jobtray:// link): say it is watched now (not while muted)."""
        if self._is_muted():
            return
        body = f"{provider_display_name(job.provider)} ({_shorten(job.account, MAX_LABEL_CHARS)})"
        title = self.tr("Watching %1").replace("%1", _shorten(job.title, MAX_LABEL_CHARS))
        self._show(_Message(title=title, body=body, job_row_id=job.id))

    @_guarded
    def offer_watch(self, key: str, title: str, body: str) -> None:
        """Offer to watch something (a job ID seen on the clipboard): its "Watch" button emits
        `watch_offer_accepted(key)`; nothing happens without the click. Not shown while muted."""
        if self._is_muted():
            return
        self._show(
            _Message(title=_shorten(title, MAX_LABEL_CHARS), body=_shorten(body, MAX_MESSAGE_CHARS), watch_key=key)
        )

    @Slot(str)
    def clear_account_error(self, account: str) -> None:
        """The account works again: its next error is a new outage."""
        self._errored_accounts.discard(account)

    @Slot(object)
    def set_muted_until(self, until: datetime | None) -> None:
        """Show nothing until `until` (None: not muted). A naive datetime is local time."""
        self._muted_until = until

    def set_tray_fallback(self, tray: QSystemTrayIcon | None) -> None:
        """The tray icon whose balloon messages stand in when there is no native notification service; None when
        no tray icon is shown (messages then go to the window through `shown_in_window`)."""
        if self._tray is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self._tray.messageClicked.disconnect(self._on_fallback_clicked)
        self._tray = tray
        if tray is not None:
            tray.messageClicked.connect(self._on_fallback_clicked)

    def close(self, timeout: float = CLOSE_TIMEOUT_SECONDS) -> None:
        """Send what is queued and stop the notification thread, within `timeout`; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._sender is not None:
            self._sender.close(timeout)
            self._sender = None

    # ---- internals -----------------------------------------------------------------------------------------

    def _is_muted(self) -> bool:
        until = self._muted_until
        if until is None:
            return False
        now = datetime.now(until.tzinfo) if until.tzinfo else datetime.now()
        return now < until

    def _show(self, message: _Message) -> None:
        if self._closed:
            return
        if self._sender is not None:
            self._sender.send(message)
        else:
            self._show_fallback(message)

    def _tell_route(self, route: str) -> None:
        """Once per session and route, say where messages go instead, and why."""
        if route in self._told_routes:
            return
        self._told_routes.add(route)
        why = self._native_reason or "no notification service"
        if route == "tray":
            log.warning("native notifications unavailable (%s); using the tray icon's messages instead", why)
        else:
            log.warning(
                "native notifications unavailable (%s) and no tray icon: job endings are shown in JobTray's window "
                "instead (it is raised, or flashed if open, with a banner of what ended since it was last seen)",
                why,
            )

    def _tell_broken(self) -> None:
        if self._told_broken or self._closed:
            return
        self._told_broken = True
        with contextlib.suppress(Exception):  # the last resort must not raise either
            self._show_fallback(
                _Message(
                    title=self.tr("JobTray could not show a notification"),
                    body=self.tr("It keeps running and tries again with the next one; details are in the log."),
                    warning=True,
                )
            )

    def _show_fallback(self, message: _Message) -> None:
        tray = self._tray
        if tray is None:
            self._tell_route("window")
            self.shown_in_window.emit(message.title, message.body, message.warning)
            return
        self._tell_route("tray")
        self._fallback_target = message
        if message.state is not None:
            # The ending's own icon: a failure does not look like a success.
            tray.showMessage(message.title, message.body, notification_icon(message.state), FALLBACK_MSECS)
            return
        icon = QSystemTrayIcon.MessageIcon.Warning if message.warning else QSystemTrayIcon.MessageIcon.Information
        tray.showMessage(message.title, message.body, icon, FALLBACK_MSECS)

    @Slot(str, str)
    def _on_action(self, kind: str, payload: str) -> None:
        if kind == "open":
            if is_openable_link(payload):  # checked again: the app opens whatever this signal carries
                self.open_url_requested.emit(payload)
        elif kind == "job":
            self.show_job_requested.emit(int(payload))
        elif kind == "file":
            self.open_file_requested.emit(payload)
        elif kind == "folder":
            self.show_folder_requested.emit(payload)
        elif kind == "watch":
            self.watch_offer_accepted.emit(payload)
        elif kind == "ack":
            self.acknowledge_requested.emit(int(payload))
        else:
            self.show_window_requested.emit()

    @Slot(object)
    def _on_undelivered(self, message: _Message) -> None:
        self._show_fallback(message)

    @Slot(bool, str)
    def _on_native_state(self, ok: bool, reason: str) -> None:
        was_ok, self._native_ok = self._native_ok, ok
        if ok and was_ok is False:
            log.info("native notifications work again")
        elif not ok:
            # Told when a message first takes another way (`_tell_route`), in words that say which way.
            self._native_reason = reason
            log.debug("native notifications unavailable: %s", reason)

    @Slot()
    def _on_fallback_clicked(self) -> None:
        target = self._fallback_target
        if target is not None and target.watch_key is not None:
            self.watch_offer_accepted.emit(target.watch_key)  # the balloon has no buttons: a click is the Watch
        elif target is not None and target.job_row_id is not None:
            self.show_job_requested.emit(target.job_row_id)
        else:
            self.show_window_requested.emit()
