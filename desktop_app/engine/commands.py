"""Commands run when a job ends (`watch --on-end`, the account's and the app's "run a command" settings).

The command line is split with `shlex` and run without a shell, in the background (a thread per command, so
polling never waits), with a time limit (the whole process group is killed at it), its output in the log. The
environment tells it about the job (`JOBTRAY_*`) and carries no key: the variables the accounts read their keys
from are removed, and so is any value that is a key JobTray knows.

A failing or hanging command is reported once (per command line and kind of failure), through `on_problem`.
Qt-free: the tray and `jobtray watch` share it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from desktop_app.core.model import Job
from desktop_app.core.settings import DEFAULT_COMMAND_TIMEOUT
from desktop_app.system.logs import redact

log = logging.getLogger(__name__)

MAX_OUTPUT_BYTES = 64 * 1024  # of a command's output kept for the log
ENV_PREFIX = "JOBTRAY_"
_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """How one run ended. `returncode` None: it was killed at the time limit (or could not start: `error`)."""

    argv: tuple[str, ...]
    job_id: str
    returncode: int | None
    output: str
    seconds: float
    timed_out: bool = False
    error: str | None = None
    stopped: bool = False  # our own stop ended it (or kept it from starting: `started` False)
    started: bool = True

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.error is None and not self.timed_out and not self.stopped

    def describe(self) -> str:
        name = os.path.basename(self.argv[0]) if self.argv else "?"
        if self.stopped:
            return f"the command {name} was stopped when JobTray stopped, after {self.seconds:.1f} s"
        if self.error is not None:
            return f"the command {name} could not run: {self.error}"
        if self.timed_out:
            return f"the command {name} ran longer than its time limit and was stopped after {self.seconds:.1f} s"
        return f"the command {name} failed (exit status {self.returncode}) for job {self.job_id}"


def job_environment(
    job: Job,
    result_file: str | None = None,
    base: Mapping[str, str] | None = None,
    hidden: Iterable[str] = (),
) -> dict[str, str]:
    """The command's environment: `base` (default: ours) without any key, plus what it needs to know of the job.

    Args:
        hidden: names of variables that hold keys (the accounts' `--key-env`); they are removed.
    """
    env = dict(os.environ if base is None else base)
    for name in [*hidden]:
        env.pop(name, None)
    for name in [n for n in env if n.startswith(ENV_PREFIX)]:
        del env[name]  # ours, from a JobTray that started us: not about this job
    # Any value that is a key we know (registered by the providers) goes too, whatever its name.
    for name in [n for n, value in env.items() if value and redact(value) != value]:
        del env[name]
    state = job.state.value  # the word `list --json` uses (issue 20: one vocabulary)
    env.update(
        {
            "JOBTRAY_JOB_ID": job.job_id,
            "JOBTRAY_LABEL": job.label or "",
            "JOBTRAY_PROVIDER": job.provider,
            "JOBTRAY_ACCOUNT": job.account,
            "JOBTRAY_STATE": state,
            "JOBTRAY_MESSAGE": redact(job.message or ""),
            "JOBTRAY_RESULT_URL": job.result_url or "",
            "JOBTRAY_RESULT_FILE": result_file or job.result_file or "",
        }
    )
    # Environment values cannot hold NUL; a server's message could.
    return {name: value.replace("\x00", "") for name, value in env.items()}


class RunningCommand:
    """One command: `run` blocks in the calling thread to the command's end or its time limit; `stop` (any
    thread) ends it early with its whole process group: SIGTERM, then SIGKILL after a grace period."""

    def __init__(self, argv: tuple[str, ...], env: Mapping[str, str], timeout: float, job_id: str = "") -> None:
        self.argv = argv
        self.env = dict(env)
        self.timeout = timeout
        self.job_id = job_id
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = False
        self._killer: threading.Timer | None = None

    @property
    def pid(self) -> int | None:
        with self._lock:
            return None if self._process is None else self._process.pid

    def stop(self, grace: float = 2.0) -> None:
        """End the command (and what it started) soon: at once if it has not started yet. Called again with
        `grace` 0, it kills the group now."""
        with self._lock:
            again = self._stopped
            self._stopped = True
            process = self._process
        if process is None or process.poll() is not None:
            return
        if again:
            if grace <= 0:
                _signal_group(process, _KILL)
            return
        _signal_group(process, signal.SIGTERM)
        self._killer = threading.Timer(max(0.0, grace), _signal_group, args=(process, _KILL))
        self._killer.daemon = True
        self._killer.start()

    def run(self) -> CommandOutcome:
        argv, job_id = self.argv, self.job_id
        started = time.monotonic()
        with self._lock:
            if self._stopped:
                return CommandOutcome(argv, job_id, None, "", 0.0, stopped=True, started=False)
            try:
                process = subprocess.Popen(
                    _with_safety_net(argv, self.env, self.timeout),
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: the limit stops what it started, too
                    close_fds=True,
                )
            except (OSError, ValueError) as exc:
                message = getattr(exc, "strerror", None) or str(exc)
                return CommandOutcome(argv, job_id, None, "", time.monotonic() - started, error=message)
            self._process = process
        timed_out = False
        try:
            output, _ = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _signal_group(process, _KILL)
            try:
                output, _ = process.communicate(timeout=5.0)
            except subprocess.TimeoutExpired:  # a grandchild holds the pipe open: stop reading
                output = b""
        with self._lock:
            stopped = self._stopped
        if stopped:
            _signal_group(process, _KILL)  # whatever it started goes with it
            if self._killer is not None:
                self._killer.cancel()
        text = redact(output[-MAX_OUTPUT_BYTES:].decode("utf-8", errors="replace"))
        return CommandOutcome(
            argv,
            job_id,
            None if timed_out or stopped else process.returncode,
            text,
            time.monotonic() - started,
            timed_out=timed_out and not stopped,
            stopped=stopped,
        )


# A crash of JobTray (SIGKILL) leaves nobody to enforce a command's time limit: where coreutils' `timeout` exists,
# it runs the command and ends its whole group a little after the limit, whatever happened to us. Our own timer
# fires first while we live, so a command's outcome is ours to tell.
SAFETY_NET_SLACK = 2.0
_TIMEOUT_PROGRAM = shutil.which("timeout") if sys.platform.startswith("linux") else None


def _with_safety_net(argv: tuple[str, ...], env: Mapping[str, str], timeout: float) -> list[str]:
    if _TIMEOUT_PROGRAM is None or shutil.which(argv[0], path=env.get("PATH")) is None:
        return list(argv)  # a program that cannot be found fails as itself, not as `timeout`'s exit status 127
    limit = f"{timeout + SAFETY_NET_SLACK:.3f}"
    return [_TIMEOUT_PROGRAM, "--kill-after", f"{SAFETY_NET_SLACK:g}", limit, *argv]


def run_command(argv: tuple[str, ...], env: Mapping[str, str], timeout: float, job_id: str = "") -> CommandOutcome:
    """Run one command to its end or its time limit, in this thread; never raises for the command's failures."""
    return RunningCommand(argv, env, timeout, job_id).run()


def log_outcome(outcome: CommandOutcome) -> None:
    """A command's end and its output in the log, at INFO either way: a failure is told once to the person, not
    again on stderr for every run."""
    name = os.path.basename(outcome.argv[0]) if outcome.argv else "?"
    log.info(
        "command %s for job %s: %s after %.1f s",
        name,
        outcome.job_id,
        "ok" if outcome.ok else outcome.describe(),
        outcome.seconds,
    )
    if outcome.output.strip():
        log.info("output of %s:\n%s", name, outcome.output.rstrip())


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(OSError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signum)
        elif signum == _KILL:  # Windows
            process.kill()


class CommandRunner:
    """Runs commands in background threads and reports each kind of failure of each command line once.

    Args:
        on_problem: called (from the command's thread) with one line, the first time a command fails or hangs.
        on_done: called (from the command's thread) with every outcome.
        timeout: the default time limit in seconds.
    """

    def __init__(
        self,
        on_problem: Callable[[str], None] = lambda text: None,
        on_done: Callable[[CommandOutcome], None] = lambda outcome: None,
        timeout: float = DEFAULT_COMMAND_TIMEOUT,
    ) -> None:
        self._on_problem = on_problem
        self._on_done = on_done
        self.timeout = timeout
        self._lock = threading.Lock()
        self._told: set[tuple[tuple[str, ...], str]] = set()
        self._threads: set[threading.Thread] = set()

    def start(
        self, argv: tuple[str, ...], env: Mapping[str, str], job_id: str = "", timeout: float | None = None
    ) -> threading.Thread:
        """Run `argv` in the background; returns its thread (daemon: a hanging command never holds up a quit)."""
        limit = self.timeout if timeout is None else timeout
        thread = threading.Thread(
            target=self._run, args=(argv, dict(env), job_id, limit), name="jobtray-command", daemon=True
        )
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return thread

    def _run(self, argv: tuple[str, ...], env: dict[str, str], job_id: str, timeout: float) -> None:
        try:
            outcome = run_command(argv, env, timeout, job_id)
            self._log(outcome)
            if not outcome.ok:
                kind = "error" if outcome.error else "timeout" if outcome.timed_out else "status"
                with self._lock:
                    first = (argv, kind) not in self._told
                    self._told.add((argv, kind))
                if first:
                    self._on_problem(outcome.describe())
            self._on_done(outcome)
        except Exception:  # a callback failing must not kill the thread silently
            log.exception("a command's report failed")
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    @staticmethod
    def _log(outcome: CommandOutcome) -> None:
        log_outcome(outcome)

    @property
    def running(self) -> int:
        with self._lock:
            return sum(1 for t in self._threads if t.is_alive())

    def wait(self, timeout: float) -> bool:
        """Wait (at most `timeout` in all) for the commands started so far; True if all ended."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads)
