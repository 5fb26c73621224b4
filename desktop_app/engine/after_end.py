"""What happens after a job ends, besides telling the user: its result saved (`--save-results`) and the commands
of the settings (the account's, the app's, `watch --on-end`) run, the commands after the download so that they
see `JOBTRAY_RESULT_FILE`.

`plan_end` decides (pure); `plan_actions` turns the plan into outbox rows (`store.outbox`), written in the
ending's own transaction by the recorder (`plan_for`); `engine.outbox.OutboxRunner` carries them out.
`BackgroundFinisher` is the older in-memory way, kept until the tray moves onto the runner.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from desktop_app.core.model import Job, JobState, StatusChange
from desktop_app.core.settings import AccountSettings, GlobalSettings, parse_command
from desktop_app.engine.commands import CommandRunner, job_environment
from desktop_app.engine.downloads import Download, DownloadOutcome, DownloadRequest, request_for
from desktop_app.providers.base import ProviderConfig
from desktop_app.store.database import Store
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


class BackgroundFinisher:
    """Carries out end plans for `jobtray watch`: each in a daemon thread, told through `on_warning` (any thread).

    Args:
        folder: the store's folder (a thread opens its own connection to record a saved file).
        config_for: the account's provider config (its key read already, on the main thread), or None.
        hidden_env: variables that hold keys; never passed to a command.
    """

    def __init__(
        self,
        folder: Path,
        *,
        on_warning: Callable[[str], None],
        on_saved: Callable[[DownloadOutcome], None] = lambda outcome: None,
        config_for: Callable[[str], ProviderConfig | None] = lambda account: None,
        hidden_env: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
        command_timeout: float | None = None,
        download_options: Mapping[str, object] | None = None,
    ) -> None:
        self._folder = folder
        self._on_warning = on_warning
        self._on_saved = on_saved
        self._config_for = config_for
        self._hidden = tuple(hidden_env)
        self._environ = environ
        self._download_options = dict(download_options or {})
        self.commands = CommandRunner(on_problem=on_warning)
        if command_timeout is not None:
            self.commands.timeout = command_timeout
        self._threads: list[threading.Thread] = []

    def handle(self, plan: EndPlan, max_bytes: int) -> None:
        """Start `plan` in the background; returns at once."""
        if not plan.downloads:
            self._run_commands(plan.job, None, plan.commands)
            return
        job = plan.job
        assert plan.folder is not None and job.result_url is not None
        request = request_for(
            row_id=job.id,
            account=job.account,
            job_id=job.job_id,
            url=job.result_url,
            folder=plan.folder,
            provider=job.provider,
            config=self._config_for(job.account),
            max_bytes=max_bytes,
            extra={k: v for k, v in self._download_options.items() if k in _REQUEST_FIELDS},
        )
        thread = threading.Thread(
            target=self._download_then_run, args=(plan, request), name="jobtray-download", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _download_then_run(self, plan: EndPlan, request: DownloadRequest) -> None:
        options = {k: v for k, v in self._download_options.items() if k not in _REQUEST_FIELDS}
        try:
            outcome = Download(request, **options).run()  # type: ignore[arg-type]
            self._record(outcome)
            if outcome.ok:
                self._on_saved(outcome)
            else:
                self._on_warning(f"{request.account}: {request.job_id}: result not saved: {outcome.error}")
            self._run_commands(plan.job, outcome.path, plan.commands)
        except Exception:
            log.exception("saving the result of %s failed", request.job_id)

    def _record(self, outcome: DownloadOutcome) -> None:
        try:
            with Store(self._folder, check=False) as store:  # checked by the process's own store already
                store.jobs.set_result_file(outcome.row_id, outcome.path, None if outcome.ok else outcome.error)
        except Exception as exc:  # the file is saved either way; only the note in the database is missing
            self._on_warning(f"the saved result of {outcome.job_id} could not be noted in the database: {exc}")

    def _run_commands(self, job: Job, result_file: str | None, commands: Sequence[tuple[str, ...]]) -> None:
        if not commands:
            return
        env = job_environment(job, result_file, self._environ, self._hidden)
        for argv in commands:
            self.commands.start(argv, env, job.job_id)

    def wait(self, timeout: float) -> bool:
        """Let the downloads and commands started so far end (at most `timeout` in all); True if all did."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        done = not any(t.is_alive() for t in self._threads)
        return self.commands.wait(max(0.0, deadline - time.monotonic())) and done


_REQUEST_FIELDS = ("deadline", "timeout", "reserve_bytes")
