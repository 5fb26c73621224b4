"""What happens after a job ends, besides telling the user: its result saved (`--save-results`) and the commands
of the settings (the account's, the app's, `watch --on-end`) run, the commands after the download so that they
see `JOBTRAY_RESULT_FILE`.

`plan_actions` decides (pure) what outbox rows (`store.outbox`) an ending gets, written in the ending's own
transaction by the recorder (`plan_for`); `engine.outbox.OutboxRunner` carries them out. `plan_end` is the same
decision as an in-memory plan, for the tray until it moves onto the runner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from desktop_app.core.errors import JobTrayError
from desktop_app.core.model import Job, JobState, StatusChange
from desktop_app.core.settings import AccountSettings, GlobalSettings, parse_command
from desktop_app.store.outbox import (
    REF_ACCOUNT_COMMAND,
    REF_APP_COMMAND,
    REF_SAVE_RESULTS,
    WATCH_REF_PREFIX,
    OutboxAction,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EndPlan:
    """For one job that ended: whether to save its result (into `folder`), and which commands to run after."""

    job: Job
    folder: str | None
    commands: tuple[tuple[str, ...], ...]

    @property
    def downloads(self) -> bool:
        return self.folder is not None


def wants_download(job: Job, settings: AccountSettings) -> bool:
    return bool(settings.save_results) and job.state == JobState.SUCCEEDED and bool(job.result_url)


def plan_end(
    change: StatusChange,
    account: AccountSettings,
    app: GlobalSettings,
    extra_commands: Sequence[str] = (),
) -> EndPlan | None:
    """What to do about `change`; None when it is not an ending or nothing is to be done.

    Commands: the account's (for its endings), the app's (for its endings), then `extra_commands` (`watch
    --on-end`, every ending); the same command line once.
    """
    job = change.job
    if not change.new_state.is_terminal or change.old_state.is_terminal:
        return None
    folder = account.save_results if wants_download(job, account) else None
    lines: list[str] = []
    for chosen in (account.command_for(job.state), app.command_for(job.state)):
        if chosen is not None:
            lines.append(chosen.command)
    lines.extend(extra_commands)
    commands: list[tuple[str, ...]] = []
    for line in lines:
        argv = parse_command(line)
        if argv not in commands:
            commands.append(argv)
    if folder is None and not commands:
        return None
    return EndPlan(job, folder, tuple(commands))


# A result link that does not say how long it lasts is tried for this long after the job ended.
DEFAULT_LINK_LIFETIME = timedelta(hours=24)


def link_expiry(url: str | None, finished_at: datetime | None, now: datetime) -> float:
    """Epoch seconds after which a result link cannot work any more: a presigned S3 link (PDF.co's) says it in
    `X-Amz-Date` + `X-Amz-Expires`; any other link is given DEFAULT_LINK_LIFETIME from the job's end."""
    if url:
        try:
            query = parse_qs(urlsplit(url).query)
            stamp = query.get("X-Amz-Date", [""])[0]
            lifetime = query.get("X-Amz-Expires", [""])[0]
            if stamp and lifetime.isdigit():
                signed = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                return signed.timestamp() + int(lifetime)
        except ValueError:
            pass
    return ((finished_at or now) + DEFAULT_LINK_LIFETIME).timestamp()


def plan_actions(
    change: StatusChange,
    account: AccountSettings,
    app: GlobalSettings,
    *,
    watch_commands: Sequence[str] = (),
    origin_pid: int | None = None,
    now: datetime | None = None,
) -> list[OutboxAction]:
    """The outbox rows of an ending (empty when nothing is to be done): a download of the result, then one
    command row per distinct command line, named by the setting it comes from, never by its text (`watch:N` is
    the N-th `--on-end` of the watch `origin_pid`)."""
    job = change.job
    if not change.new_state.is_terminal or change.old_state.is_terminal:
        return []
    actions: list[OutboxAction] = []
    if wants_download(job, account):
        when = now or job.finished_at or job.updated_at
        actions.append(
            OutboxAction("download", REF_SAVE_RESULTS, expires_at=link_expiry(job.result_url, job.finished_at, when))
        )
    seen: list[tuple[str, ...]] = []
    sources: list[tuple[str, str, int | None]] = []
    for ref, chosen in (
        (REF_ACCOUNT_COMMAND, account.command_for(job.state)),
        (REF_APP_COMMAND, app.command_for(job.state)),
    ):
        if chosen is not None:
            sources.append((ref, chosen.command, None))
    sources.extend((f"{WATCH_REF_PREFIX}{n}", line, origin_pid) for n, line in enumerate(watch_commands))
    for ref, line, pid in sources:
        argv = parse_command(line)
        if argv in seen:
            continue
        seen.append(argv)
        actions.append(OutboxAction("command", ref, origin_pid=pid))
    return actions


def settings_plan(
    app: Callable[[], GlobalSettings],
    accounts: Callable[[], Mapping[str, AccountSettings]],
    *,
    watch_commands: Sequence[str] = (),
    origin_pid: int | None = None,
    on_error: Callable[[str], None] = lambda text: None,
) -> Callable[[StatusChange], list[OutboxAction]]:
    """The recorder's `plan_for` over the current settings (read through `app` and `accounts` at each ending, so
    the tray's follow its changes): a command line that no longer splits is told through `on_error` and planned
    without; the ending is recorded either way."""

    def plan_for(change: StatusChange) -> list[OutboxAction]:
        settings = accounts().get(change.job.account, AccountSettings())
        try:
            return plan_actions(change, settings, app(), watch_commands=watch_commands, origin_pid=origin_pid)
        except JobTrayError as exc:
            on_error(str(exc))
            return []

    return plan_for
