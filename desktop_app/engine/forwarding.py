"""Forwards sent through apprise (issue 21): one send with a deadline; the outbox's 'forward' rows (ref = the
target's name), planned with the ending and carried out by the `engine.outbox.OutboxRunner` with this module's
work factory, retried with backoff, a target's failure told once.

apprise is imported only when something is sent (the `forward` extra; a JobTray without forwards never loads it).
Its own logger is kept out of every log we write (it names hosts and paths, where some services keep tokens); the
first warning it gives about a failed send is kept, with every token of every URL read so far blanked, as the
reason we tell.
"""

from __future__ import annotations

import logging
import sys
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from desktop_app.core.errors import JobTrayError
from desktop_app.core.forwarding import ForwardMessage, ForwardTarget, forward_message, redact, targets_for
from desktop_app.core.model import Job, Secret, StatusChange
from desktop_app.core.rules import Presence, forward_decision, long_enough
from desktop_app.core.settings import AccountSettings, GlobalSettings
from desktop_app.engine.outbox import Work, WorkFactory, WorkResult
from desktop_app.store.database import Store
from desktop_app.store.outbox import OutboxAction, OutboxRow
from desktop_app.system.logs import redact as redact_registered

log = logging.getLogger(__name__)

DEFAULT_DEADLINE = 15.0  # seconds one attempt may take, whatever the receiver does (a trickle, a hang)
RETRY_DELAYS = (2.0, 10.0)  # waits before the second and the third attempt
# The longest one forward row can take: every attempt and wait (what `watch` and `poll` wait for before exiting).
FORWARD_MAX_SECONDS = DEFAULT_DEADLINE * (len(RETRY_DELAYS) + 1) + sum(RETRY_DELAYS)
_APPRISE_LOGGER = "apprise"

# Deliver: (url, message, deadline seconds) -> None when delivered, else why not (already redacted).
Deliver = Callable[[Secret, ForwardMessage, float], "str | None"]
Warn = Callable[[str], None]
# ReadUrl: a target -> its URL, read by whoever owns the keyring (the tray's keyring thread), answered later.
ReadUrl = Callable[[ForwardTarget], "Future[Secret]"]


class _Captured(logging.Handler):
    """Keeps apprise's warnings of one send (they explain a failure); nothing goes anywhere else."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(record.getMessage())
        except Exception:  # a bad format string is not worth a traceback here
            self.lines.append(str(record.msg))


def quiet_apprise() -> logging.Logger:
    """apprise's logger, cut off from our handlers (the app's log file, stderr)."""
    logger = logging.getLogger(_APPRISE_LOGGER)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    return logger


def _with_timeouts(url: str, seconds: float) -> str:
    # apprise's own connect and read timeouts (`cto`, `rto`), so a dead receiver fails before our deadline does.
    timeout = f"{max(1.0, seconds):g}"
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}cto={timeout}&rto={timeout}"


_import_lock = threading.Lock()


def load_apprise() -> Any:
    """apprise, imported on first use (ImportError without the `forward` extra). Its own DeprecationWarnings
    (`imghdr` on Python 3.11-3.12) are not ours to show."""
    with _import_lock:
        quiet_apprise()  # before the import: it logs while loading its plugins
        if "apprise" not in sys.modules:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                import apprise

                # Its plugins load with the first URL (and with them `imghdr`): load them here, quietly.
                apprise.Apprise().add("json://127.0.0.1")
        quiet_apprise()
        return sys.modules["apprise"]


def _send(url: Secret, message: ForwardMessage, deadline: float) -> str | None:
    apprise = load_apprise()
    logger = quiet_apprise()
    captured = _Captured()
    logger.addHandler(captured)
    try:
        sender = apprise.Apprise()
        if not sender.add(_with_timeouts(url.reveal(), deadline / 2)):
            return "apprise does not understand the URL"
        kind = apprise.NotifyType.FAILURE if message.failure else apprise.NotifyType.INFO
        if sender.notify(title=message.title, body=message.body, notify_type=kind):
            return None
        reason = captured.lines[0] if captured.lines else "the service did not accept it"
        return redact_registered(redact(reason, url.reveal()))[:300]
    finally:
        logger.removeHandler(captured)


def deliver(url: Secret, message: ForwardMessage, deadline: float = DEFAULT_DEADLINE) -> str | None:
    """Send `message` to `url` once, within `deadline` seconds; None when delivered, else why not.

    The send runs on a daemon thread of its own: a receiver that never answers (or trickles) is given up at the
    deadline, whatever requests' own timeouts do (they restart with every byte).
    """
    outcome: list[str | None] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(_send(url, message, deadline))
        except ImportError:
            outcome.append("apprise is not installed (pip install 'jobtray[forward]')")
        except Exception as exc:  # apprise and its plugins raise many kinds; never let one end the sender
            outcome.append(redact_registered(redact(f"{type(exc).__name__}: {exc}", url.reveal()))[:300])
        finally:
            done.set()

    threading.Thread(target=run, name="jobtray-forward-send", daemon=True).start()
    if not done.wait(deadline):
        return f"no answer within {deadline:g} s"
    return outcome[0]


class ForwardWork:
    """One forward row's work (`engine.outbox.Work`): attempts with backoff on the runner's thread; a stop between
    attempts leaves the row to the next start."""

    def __init__(
        self,
        target: str,
        url: Secret,
        message: ForwardMessage,
        *,
        deadline: float,
        retry_delays: Sequence[float],
        send: Deliver,
        on_outcome: Callable[[str, str | None], None],
    ) -> None:
        self._target = target
        self._url = url
        self._message = message
        self._deadline = deadline
        self._retry_delays = tuple(retry_delays)
        self._send = send
        self._on_outcome = on_outcome
        self._stop = threading.Event()

    def run(self) -> WorkResult:
        reason: str | None = None
        for attempt in range(len(self._retry_delays) + 1):
            if attempt and self._stop.wait(self._retry_delays[attempt - 1]):
                return WorkResult("pending")  # stopped between attempts: resumed at the next start
            if self._stop.is_set():
                return WorkResult("pending")
            reason = self._send(self._url, self._message, self._deadline)
            if reason is None:
                self._on_outcome(self._target, None)
                return WorkResult("done", outcome="sent")
        self._on_outcome(self._target, reason)
        return WorkResult("failed", error=f"not delivered after {len(self._retry_delays) + 1} attempt(s): {reason}")

    def stop(self, grace: float) -> None:
        self._stop.set()


class _ReadThenSend:
    """A forward row's work whose URL (and, with `forward-when-away`, the desktop's presence) is read in the row's
    own thread, not the owner's: the tray's owner is its GUI thread, which never waits on a keyring (a locked one
    waits for its unlock prompt) or on D-Bus. The URL comes from `read_url` (the tray's keyring thread, where every
    keyring call of the tray runs, one at a time); a stop while it is awaited leaves the row to the next start."""

    def __init__(
        self,
        target: ForwardTarget,
        read_url: ReadUrl,
        presence: Callable[[], Presence] | None,
        teller: ForwardTeller,
        make: Callable[[Secret], ForwardWork],
    ) -> None:
        self._target = target
        self._read_url = read_url
        self._presence = presence
        self._teller = teller
        self._make = make
        self._stop = threading.Event()
        self._woken = threading.Event()  # the URL's answer came, or a stop
        self._lock = threading.Lock()
        self._sending: ForwardWork | None = None

    def run(self) -> WorkResult:
        if self._presence is not None:
            send_now, note = forward_decision(self._presence(), True)
            if not send_now:
                return _NotSent(note or "not forwarded").run()
            if note is not None:
                self._teller.note(note)
        future = self._read_url(self._target)
        future.add_done_callback(lambda _: self._woken.set())
        self._woken.wait()
        if not future.done():  # stopped while the keyring waits (for its unlock)
            return WorkResult("pending")
        try:
            url = future.result()
        except JobTrayError as exc:
            self._teller.problem(self._target.name, str(exc))
            return WorkResult("failed", error=str(exc))
        except Exception as exc:  # a bug, or the keyring thread closed at quit: the row stays for the next start
            log.warning("reading the URL of forward %r failed (%s)", self._target.name, type(exc).__name__)
            return WorkResult("pending")
        with self._lock:
            if self._stop.is_set():
                return WorkResult("pending")
            self._sending = self._make(url)
        return self._sending.run()

    def stop(self, grace: float) -> None:
        with self._lock:
            self._stop.set()
            self._woken.set()
            sending = self._sending
        if sending is not None:
            sending.stop(grace)


class _NotSent:
    """A forward row a rule held back: done, with why, and nothing sent."""

    def __init__(self, why: str) -> None:
        self._why = why

    def run(self) -> WorkResult:
        return WorkResult("done", outcome=self._why)

    def stop(self, grace: float) -> None:
        pass


class ForwardTeller:
    """A target's failure told once (`on_warning`), until it delivers again; safe from any thread."""

    def __init__(self, on_warning: Warn) -> None:
        self._on_warning = on_warning
        self._lock = threading.Lock()
        self._failing: set[str] = set()

    def outcome(self, target: str, reason: str | None) -> None:
        """A send's outcome: None delivered, else why not."""
        self._tell(target, None if reason is None else f"forward {target}: not delivered: {reason}")

    def problem(self, target: str, text: str) -> None:
        """The target could not be sent to at all (its URL unreadable, the target gone)."""
        self._tell(target, f"not forwarded: {text}")

    def note(self, text: str) -> None:
        """Something true of every forward (the desktop cannot tell idle from active), said once."""
        self._tell(f"note:{text}", text)

    def _tell(self, target: str, text: str | None) -> None:
        with self._lock:
            if text is None:
                self._failing.discard(target)
                return
            if target in self._failing:
                return
            self._failing.add(target)
        self._on_warning(text)


def forward_factory(
    store: Store,
    on_warning: Warn,
    environ: Mapping[str, str] | None = None,
    *,
    deadline: float = DEFAULT_DEADLINE,
    retry_delays: Sequence[float] = RETRY_DELAYS,
    send: Deliver = deliver,
    presence: Callable[[Mapping[str, str] | None], Presence] | None = None,
    read_url: ReadUrl | None = None,
) -> WorkFactory:
    """The outbox runner's handler of 'forward' rows (`OutboxRunner.register("forward", ...)`).

    Called on the store's thread for each claimed row: the target and its URL are read there (keyring backends are
    not thread-safe); a target removed since, or a URL that cannot be read (an unset variable, a locked keyring),
    fails the row and is told once per target, never a silence. `on_warning` may be called from a runner thread.
    With `forward-when-away`, the desktop's presence (`presence`, default `system.presence.read_presence`) is read
    as the row starts: in use, the row is done without a send; where nothing tells, it is sent, and that is said
    once.

    With `read_url` (the tray), the URL and the presence are read in the row's own thread instead (`_ReadThenSend`):
    the owner never waits on the keyring or D-Bus; an unreadable URL fails the row there, told the same way.
    """
    if presence is None:
        from desktop_app.system.presence import read_presence

        presence = read_presence
    teller = ForwardTeller(on_warning)

    def factory(row: OutboxRow, job: Job) -> Work:
        from desktop_app.system.forward_urls import load_url

        name = row.ref or ""
        try:
            target = store.forwards.get(name)
            away_only = store.settings.app().forward_when_away
        except JobTrayError as exc:
            teller.problem(name, str(exc))
            raise
        message = forward_message(job, target.with_link)

        def make(url: Secret) -> ForwardWork:
            return ForwardWork(
                name,
                url,
                message,
                deadline=deadline,
                retry_delays=retry_delays,
                send=send,
                on_outcome=teller.outcome,
            )

        if read_url is not None:
            read_presence = presence
            asked = (lambda: read_presence(environ)) if away_only else None
            return _ReadThenSend(target, read_url, asked, teller, make)
        if away_only:
            # Read when the row runs (on the owner's thread, outside any transaction): a D-Bus call or two.
            send_now, note = forward_decision(presence(environ), True)
            if not send_now:
                return _NotSent(note or "not forwarded")
            if note is not None:
                teller.note(note)
        try:
            url = load_url(target, environ)
        except JobTrayError as exc:
            teller.problem(name, str(exc))
            raise
        return make(url)

    return factory


def plan_forwards(
    change: StatusChange,
    settings: AccountSettings,
    targets: Sequence[ForwardTarget],
    app: GlobalSettings | None = None,
) -> list[OutboxAction]:
    """The 'forward' rows of an ending, one per target (ref = its name), to the global targets and the account's
    own: every ending that notifies is forwarded, unless it ran no longer than `forward-min-minutes` (the
    account's, else the app's; 0 by default: whatever its duration)."""
    if not change.new_state.is_terminal or change.old_state.is_terminal:
        return []
    if not settings.notifies(change.new_state):
        return []
    app = app or GlobalSettings()
    minimum = settings.forward_min_minutes if settings.forward_min_minutes is not None else app.forward_min_minutes
    if not long_enough(change.job, minimum):
        return []
    return [OutboxAction("forward", target.name) for target in targets_for(targets, change.job.account)]
