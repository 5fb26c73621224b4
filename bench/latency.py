"""Notification latency benchmark: a job's end at the simulator -> its notification received by dunst.

Starts a throwaway desktop (tests/desktop/virtual_desktop.py: Xvfb, a private D-Bus session, dunst as the
freedesktop notification server, gtk-sni-tray-standalone as tray host), serves the four provider simulators from
this process on 127.0.0.1, and runs the real app (`python -m desktop_app --data-dir DIR`) with five accounts on
them (two PDF.co, ScriptX, iPaper, encoding.com; each at its provider's default rate limit). Then it hands jobs to
the running tray over its single-instance socket (what `jobtray add` does), at staggered times, each scripted to
stay running for a known time and then end (a quarter of them fail).

The three moments of each job, all on one clock, CLOCK_BOOTTIME (the clock dunst stamps notifications with):
  - end: the simulator's step flips to the final state exactly `duration` after the job was added (the job book's
    clock is CLOCK_BOOTTIME), so the end is known to the microsecond, not observed;
  - seen: the request that first got the final state, stamped in the simulator as it answers (the job book's
    `observe` is wrapped: the simulator's own request log has no times);
  - notified: dunst's own `timestamp` of the notification (`dunstctl history`: microseconds of CLOCK_BOOTTIME,
    taken when dunst received the Notify call). Cross-checked against a `dbus-monitor` on the private bus, whose
    wall-clock time of each Notify call is converted with the wall/boot offset measured at start; the largest
    difference is printed.
end -> notified is the latency; end -> seen is the schedule's share (when the next check came), seen -> notified the
app's (the answer parsed, the result recorded in SQLite, the model and tray updated, the notifier's thread and
desktop-notifier's D-Bus call).

A first job (a warm-up, not counted) makes the app send its first notification before the measured ones: that one
also starts the notifier's thread and loads desktop-notifier and dbus-fast, once per process; its latency is
printed on its own.

Run: python bench/latency.py [--jobs 40] [--seed 15] [--spread 40] [--min-duration 4] [--max-duration 60] [--verbose]
Needs Debian's `xvfb dbus dunst haskell-gtk-sni-tray-utils` (as bench/startup.py and the desktop tests do).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a fresh checkout, no install

from desktop_app.core.handoff import WatchRequest  # noqa: E402
from desktop_app.core.model import Account, KeySource  # noqa: E402
from desktop_app.providers.registry import provider_class  # noqa: E402
from desktop_app.simulators import encodingcom, ipaper, pdfco, scriptx  # noqa: E402
from desktop_app.simulators.launcher import DEMO_KEYS, DEMO_USERNAMES  # noqa: E402
from desktop_app.simulators.script import Step  # noqa: E402
from desktop_app.simulators.server import SimulatorServer, serve  # noqa: E402
from desktop_app.store.database import Store  # noqa: E402
from desktop_app.system.handoff import hand_over, instance_key  # noqa: E402
from tests.desktop.virtual_desktop import DesktopSession, new_session  # noqa: E402

READY_ENV = "JOBTRAY_BENCH_READY_FILE"
START_TIMEOUT = 30.0
WARMUP_TIMEOUT = 30.0
GRACE_SECONDS = 45.0  # after the last planned end: time for its check, its record and its notification
STOP_TIMEOUT = 10.0
MIN_END_GAP = 2.0  # seconds between two ends of one account, so every ending gets a notification of its own


def boot_clock() -> float:
    """CLOCK_BOOTTIME in seconds: dunst's clock for its notification timestamps (its time_monotonic_now)."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


@dataclass(frozen=True)
class Provider:
    make: Callable[[], Any]  # the simulator, on boot_clock
    running: Callable[[float], Step]
    succeeded: Callable[[], Step]
    failed: Callable[[], Step]
    username: str | None = None


PROVIDERS: dict[str, Provider] = {
    "pdfco": Provider(
        lambda: pdfco.PdfCoSimulator(DEMO_KEYS["pdfco"], clock=boot_clock),
        lambda d: pdfco.working(seconds=d),
        pdfco.success,
        pdfco.failed,
    ),
    "scriptx": Provider(
        lambda: scriptx.ScriptXSimulator(DEMO_KEYS["scriptx"], clock=boot_clock),
        lambda d: scriptx.printing_pdf(seconds=d),
        scriptx.completed,
        scriptx.item_error,
    ),
    "ipaper": Provider(
        lambda: ipaper.IPaperSimulator(DEMO_KEYS["ipaper"], clock=boot_clock),
        lambda d: ipaper.pending(seconds=d),
        ipaper.completed,
        ipaper.failed,
    ),
    "encodingcom": Provider(
        lambda: encodingcom.EncodingComSimulator(
            DEMO_USERNAMES["encodingcom"], DEMO_KEYS["encodingcom"], clock=boot_clock
        ),
        # No progress move and no time_left: the plain age-based schedule, no ETA to aim at.
        lambda d: encodingcom.running("Processing", "0", "0", seconds=d),
        encodingcom.finished,
        encodingcom.error,
        username=DEMO_USERNAMES["encodingcom"],
    ),
}
ACCOUNTS = (
    ("pdf-a", "pdfco"),
    ("pdf-b", "pdfco"),
    ("scriptx", "scriptx"),
    ("ipaper", "ipaper"),
    ("video", "encodingcom"),
)


@dataclass
class Job:
    label: str
    account: str
    provider: str
    start: float  # seconds after the scripted phase began
    duration: float
    fails: bool
    job_id: str = ""
    end: float = math.nan  # boot clock
    observes: list[tuple[float, bool]] = field(default_factory=list)  # (boot time, answered the final state)
    notified: float | None = None  # dunst's timestamp, boot clock
    monitored: float | None = None  # dbus-monitor's Notify call, converted to the boot clock
    summary: str = ""

    @property
    def seen(self) -> float | None:
        return next((t for t, final in self.observes if final), None)

    @property
    def last_running_check(self) -> float | None:
        return max((t for t, final in self.observes if not final), default=None)

    # The three figures, for a job that was seen and notified (see `report`).
    def latency(self) -> float:
        assert self.notified is not None
        return self.notified - self.end

    def to_seen(self) -> float:
        assert self.seen is not None
        return self.seen - self.end

    def seen_to_notified(self) -> float:
        assert self.notified is not None and self.seen is not None
        return self.notified - self.seen


def plan(count: int, seed: int, spread: float, shortest: float, longest: float) -> list[Job]:
    """`count` jobs over the accounts in turn: start uniform in [0, spread], duration log-uniform; no two ends of
    one account closer than MIN_END_GAP (drawn again)."""
    rng = random.Random(seed)
    jobs: list[Job] = []
    for n in range(count):
        account, provider = ACCOUNTS[n % len(ACCOUNTS)]
        for _ in range(1000):
            start = rng.uniform(0.0, spread)
            duration = math.exp(rng.uniform(math.log(shortest), math.log(longest)))
            ends = [j.start + j.duration for j in jobs if j.account == account]
            if all(abs(start + duration - e) >= MIN_END_GAP for e in ends):
                break
        jobs.append(Job(f"lat-{n + 1:02d}", account, provider, start, duration, fails=n % 4 == 3))
    return sorted(jobs, key=lambda j: j.start)


class Recorder:
    """Wraps each simulator's job book: when every check of a job was answered, and with which state."""

    def __init__(self) -> None:
        self.by_id: dict[tuple[str, str], Job] = {}  # (provider, simulator job ID) -> job
        self.final_payloads: dict[tuple[str, str], Any] = {}

    def attach(self, provider: str, sim: Any) -> None:
        book = sim.jobs
        original = book.observe

        def observe(job_id: str) -> Any:
            payload = original(job_id)
            stamp = boot_clock()
            key = (provider, job_id)
            job = self.by_id.get(key)
            if job is not None:
                job.observes.append((stamp, payload is self.final_payloads[key]))
            return payload

        book.observe = observe


def add_job(sim: Any, recorder: Recorder, job: Job) -> None:
    spec = PROVIDERS[job.provider]
    final = spec.failed() if job.fails else spec.succeeded()
    before = boot_clock()
    job.job_id = sim.add_job([spec.running(job.duration), final], job_id=new_id(job.provider))
    # The job book takes its own start microseconds after `before`; the final state answers from start + duration.
    job.end = before + job.duration
    recorder.by_id[(job.provider, job.job_id)] = job
    recorder.final_payloads[(job.provider, job.job_id)] = final.payload


def new_id(provider: str) -> str:
    return {
        "pdfco": pdfco.new_job_id,
        "scriptx": scriptx.new_job_id,
        "ipaper": ipaper.new_job_id,
        "encodingcom": encodingcom.new_job_id,
    }[provider]()


def key_env(provider: str) -> str:
    return f"JOBTRAY_BENCH_{provider.upper()}_KEY"


def seed_accounts(data: Path, servers: dict[str, SimulatorServer]) -> None:
    with Store(data) as store:
        for name, provider in ACCOUNTS:
            store.accounts.add(
                Account(
                    name,
                    provider,
                    KeySource.ENV,
                    base_url=servers[provider].base_url,
                    key_env=key_env(provider),
                    username=PROVIDERS[provider].username,
                )
            )


def tray_key(data: Path, runtime: str) -> str:
    """The tray's socket as the tray computes it in its own environment (its XDG_RUNTIME_DIR)."""
    old = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = runtime
    try:
        return instance_key(data)
    finally:
        if old is None:
            del os.environ["XDG_RUNTIME_DIR"]
        else:
            os.environ["XDG_RUNTIME_DIR"] = old


def wall_minus_boot() -> float:
    """time.time() - CLOCK_BOOTTIME, the tightest of a few samples (to convert dbus-monitor's wall times)."""
    best: tuple[float, float] | None = None
    for _ in range(20):
        b0 = boot_clock()
        wall = time.time()
        b1 = boot_clock()
        if best is None or b1 - b0 < best[0]:
            best = (b1 - b0, wall - (b0 + b1) / 2)
    assert best is not None
    return best[1]


_CALL = re.compile(r"^method call time=(\d+\.\d+) .*member=Notify$")
_STRING = re.compile(r'^\s+string "(.*)"$')


def monitored_notifies(log: Path) -> dict[str, float]:
    """{summary: wall time} of the Notify calls dbus-monitor saw (the summary is the call's third string)."""
    found: dict[str, float] = {}
    current: tuple[float, list[str]] | None = None
    for line in log.read_text(errors="replace").splitlines():
        match = _CALL.match(line)
        if match:
            current = (float(match.group(1)), [])
            continue
        if current is None:
            continue
        if not line.startswith(" "):
            current = None
            continue
        string = _STRING.match(line)
        if string:
            current[1].append(string.group(1))
            if len(current[1]) == 3:  # app_name, app_icon, summary
                found.setdefault(current[1][2], current[0])
                current = None
    return found


def printed_summaries(desktop: DesktopSession) -> set[str]:
    """Summaries dunst has printed so far (its -print log): to know when to stop waiting."""
    return {str(n.get("summary", "")) for n in desktop.dunst_printed()}


def label_of(summary: str) -> str:
    return summary.partition(": ")[2]


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)


def run(jobs: list[Job]) -> tuple[Job, list[float]]:
    """The whole experiment; fills in `jobs`; returns the warm-up job and, per notification, dbus-monitor's time of
    its Notify call minus dunst's timestamp."""
    with tempfile.TemporaryDirectory(prefix="jobtray-latency-") as tmp:
        root = Path(tmp)
        desktop = new_session(root / "desktop")
        recorder = Recorder()
        sims: dict[str, Any] = {}
        servers: dict[str, SimulatorServer] = {}
        monitor_out = None
        app: subprocess.Popen[bytes] | None = None
        app_log = root / "app.log"
        try:
            for provider, spec in PROVIDERS.items():
                sims[provider] = spec.make()
                recorder.attach(provider, sims[provider])
                servers[provider] = serve(sims[provider])
            desktop.start_xvfb()
            desktop.start_dbus()
            desktop.start_dunst()
            desktop.start_sni_host()
            monitor_log = root / "monitor.log"
            monitor_out = monitor_log.open("wb")
            desktop.procs.start(
                "dbus-monitor",
                [
                    "stdbuf",
                    "-oL",
                    "dbus-monitor",
                    "--session",
                    "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
                ],
                desktop.env,
                desktop.log("dbus-monitor"),
                stdout=monitor_out,
            )
            offset = wall_minus_boot()
            data = root / "data"
            seed_accounts(data, servers)
            ready = root / "ready"
            env = dict(desktop.env, **{READY_ENV: str(ready), "PYTHONPATH": str(ROOT)})
            env.update({key_env(p): DEMO_KEYS[p] for p in PROVIDERS})
            with app_log.open("wb") as log:
                app = subprocess.Popen(
                    [sys.executable, "-m", "desktop_app", "--data-dir", str(data)],
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=ROOT,
                )
            key = tray_key(data, desktop.env["XDG_RUNTIME_DIR"])
            deadline = time.monotonic() + START_TIMEOUT
            while not (ready.exists() and ready.read_text().strip() and Path(key).exists()):
                if time.monotonic() > deadline or app.poll() is not None:
                    raise RuntimeError(f"the tray did not start (exit {app.poll()})")
                time.sleep(0.05)
            time.sleep(1.0)  # let it settle, as bench/handoff.py does

            def give(job: Job) -> None:
                add_job(sims[job.provider], recorder, job)
                reply = hand_over(key, WatchRequest(job.account, job.job_id, label=job.label))
                if reply is None or not reply.ok:
                    raise RuntimeError(f"the tray did not take {job.label}: {reply}")

            warmup = Job("warm-up", "pdf-a", "pdfco", 0.0, 1.0, fails=False)
            give(warmup)
            deadline = time.monotonic() + WARMUP_TIMEOUT
            while not any(label_of(s) == warmup.label for s in printed_summaries(desktop)):
                if time.monotonic() > deadline or app.poll() is not None:
                    raise RuntimeError("the warm-up job's notification did not come")
                time.sleep(0.1)
            time.sleep(1.0)

            began = boot_clock()
            for job in jobs:
                time.sleep(max(0.0, began + job.start - boot_clock()))
                give(job)
                if app.poll() is not None:
                    raise RuntimeError(f"the app exited with {app.returncode}")
            wanted = {job.label for job in jobs}
            print(f"  all {len(jobs)} jobs handed over; waiting for their notifications", flush=True)
            deadline = max(job.end for job in jobs) + GRACE_SECONDS
            while boot_clock() < deadline and app.poll() is None:
                if wanted <= {label_of(s) for s in printed_summaries(desktop)}:
                    break
                time.sleep(0.25)
            time.sleep(0.5)
            history = desktop.dunst_history()  # closes them all first: shown ones reach the history only then
        except BaseException:
            if app_log.exists():  # the temporary folder goes with the error: show what the app said first
                print(f"the app's log:\n{app_log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
            raise
        finally:
            if app is not None:
                stop(app)
            desktop.procs.stop_all()
            if monitor_out is not None:
                monitor_out.close()
            for server in servers.values():
                server.stop()
        by_label = {job.label: job for job in [*jobs, warmup]}
        for row in history:
            job = by_label.get(label_of(str(row.get("summary") or "")))
            if job is not None and job.notified is None:
                job.notified = int(row["timestamp"]) / 1e6
                job.summary = str(row.get("summary"))
        for summary, wall in monitored_notifies(root / "monitor.log").items():
            job = by_label.get(label_of(summary))
            if job is not None and job.monitored is None:
                job.monitored = wall - offset
        differences = [j.monitored - j.notified for j in by_label.values() if j.monitored and j.notified]
        unexpected = [row.get("summary") for row in history if label_of(str(row.get("summary") or "")) not in by_label]
        if unexpected:
            print(f"  other notifications dunst received: {unexpected}")
        if app.returncode not in (0, -signal.SIGTERM):
            print(f"  the app exited with {app.returncode}; its log:\n{app_log.read_text(errors='replace')[-3000:]}")
        return warmup, differences


def most_open(jobs: Sequence[Job]) -> int:
    """The most of `jobs` running at one moment (start to planned end)."""
    moments = sorted([(j.start, 1) for j in jobs] + [(j.start + j.duration, -1) for j in jobs])
    most = current = 0
    for _, step in moments:
        current += step
        most = max(most, current)
    return most


def gap_of(job: Job) -> float:
    last, seen = job.last_running_check, job.seen
    return math.nan if last is None or seen is None else seen - last


def row(name: str, values: Sequence[float]) -> str:
    if not values:
        return f"| {name} | - | - | - | - |"
    return (
        f"| {name} | {statistics.median(values):.3f} | {percentile(values, 95):.3f} | {max(values):.3f} "
        f"| {len(values)} |"
    )


def report(jobs: list[Job], warmup: Job, differences: list[float], verbose: bool) -> None:
    done = [j for j in jobs if j.notified is not None and j.seen is not None]
    missing = [j.label for j in jobs if j.notified is None]
    print()
    print(f"notified: {len(done)} / {len(jobs)}" + (f" (missing: {', '.join(missing)})" if missing else ""))
    if differences:
        print(
            f"dbus-monitor's Notify call minus dunst's timestamp, over {len(differences)} notifications: median "
            f"{statistics.median(differences) * 1000:+.1f} ms, largest {max(differences, key=abs) * 1000:+.1f} ms"
        )
    print()
    print("| seconds (p50 / p95 / max over jobs) | p50 | p95 | max | jobs |")
    print("|---|---:|---:|---:|---:|")
    print(row("**end -> notified (dunst)**", [j.latency() for j in done]))
    print(row("end -> seen (the check that got the final state)", [j.to_seen() for j in done]))
    print(row("seen -> notified", [j.seen_to_notified() for j in done]))
    gaps = [gap for j in done if math.isfinite(gap := gap_of(j))]
    print(row("gap: last 'running' check -> the check that saw the end", gaps))
    print()
    print("end -> notified by account (s); the checks of one account share its rate limit:")
    print(
        "| account | provider | rate limit | jobs | open at once (planned max) | durations | p50 | p95 | max "
        "| seen -> notified p50 | checks/job |"
    )
    print("|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for name, provider in ACCOUNTS:
        mine = [j for j in done if j.account == name]
        if not mine:
            continue
        lat = [j.latency() for j in mine]
        app_part = [j.seen_to_notified() for j in mine]
        durations = f"{min(j.duration for j in mine):.0f}-{max(j.duration for j in mine):.0f} s"
        checks = statistics.mean(len(j.observes) for j in mine)
        limit = provider_class(provider).default_rate_limit
        print(
            f"| {name} | {provider} | {limit} | {len(mine)} | {most_open(mine)} | {durations} "
            f"| {statistics.median(lat):.2f} | {percentile(lat, 95):.2f} | {max(lat):.2f} "
            f"| {statistics.median(app_part):.3f} | {checks:.1f} |"
        )
    print()
    young = [j for j in done if j.duration < 25]
    old = [j for j in done if j.duration >= 25]
    print("end -> seen by duration (the schedule: min_interval for young jobs, ~8 % of the age after):")
    print(row("duration < 25 s", [j.to_seen() for j in young]))
    print(row("duration >= 25 s", [j.to_seen() for j in old]))
    share = [j.to_seen() / j.duration for j in old]
    if share:
        print(
            f"  (for jobs >= 25 s, end -> seen as a share of the duration: p50 {statistics.median(share):.1%}, "
            f"max {max(share):.1%})"
        )
    late = [j for j in done if j.to_seen() > max(3.0, 0.1 * j.duration)]
    print(
        f"seen within the detection target max(3 s, 10 % of the duration): {len(done) - len(late)} / {len(done)}"
        + (f" (late: {', '.join(f'{j.label} {j.account}' for j in late)})" if late else "")
    )
    print(
        "slowest (end -> notified): "
        + "; ".join(
            f"{j.label} {j.account} {j.duration:.1f} s long: {j.latency():.2f} s, gap {gap_of(j):.2f} s"
            for j in sorted(done, key=Job.latency, reverse=True)[:3]
        )
    )
    if verbose:
        print()
        print(
            "| job | account | start (s) | duration (s) | checks | gap (s) | end -> seen (s) | seen -> notified (ms) |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        for j in sorted(done, key=lambda j: (j.account, j.start)):
            print(
                f"| {j.label} | {j.account} | {j.start:.1f} | {j.duration:.1f} | {len(j.observes)} "
                f"| {gap_of(j):.2f} | {j.to_seen():.2f} | {j.seen_to_notified() * 1000:.1f} |"
            )
    if warmup.notified is not None and warmup.seen is not None:
        print()
        print(
            f"warm-up (the process's first notification, not counted): end -> notified "
            f"{warmup.latency():.2f} s, of which seen -> notified {warmup.seen_to_notified():.3f} s"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--spread", type=float, default=40.0, help="jobs start uniformly over this many seconds")
    parser.add_argument("--min-duration", type=float, default=4.0)
    parser.add_argument("--max-duration", type=float, default=60.0)
    parser.add_argument("--verbose", action="store_true", help="also print every job's figures")
    args = parser.parse_args(argv)
    if not 1 <= args.jobs <= 90:
        parser.error("--jobs: 1 to 90 (dunst keeps 100 notifications in its history here)")
    jobs = plan(args.jobs, args.seed, args.spread, args.min_duration, args.max_duration)
    from PySide6 import __version__ as pyside_version

    print(
        f"JobTray notification latency: Python {sys.version.split()[0]}, PySide6 {pyside_version}, "
        f"{os.cpu_count()} CPUs; Xvfb + dunst + gtk-sni-tray-standalone"
    )
    print(
        f"{len(jobs)} jobs on {len(ACCOUNTS)} accounts, started over {args.spread:.0f} s, lasting "
        f"{args.min_duration:.0f}-{args.max_duration:.0f} s (log-uniform, seed {args.seed}); the last ends "
        f"{max(j.start + j.duration for j in jobs):.0f} s after the first starts (the whole run: ~15 s more)",
        flush=True,
    )
    warmup, differences = run(jobs)
    report(jobs, warmup, differences, args.verbose)
    return 0 if all(j.notified is not None for j in jobs) else 1


if __name__ == "__main__":
    sys.exit(main())
