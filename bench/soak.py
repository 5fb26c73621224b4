"""Soak: 1,000 jobs at a time against the four simulators with 20 % injected faults, for N minutes.

The simulators and the fault servers in front of them run in a child process, so that what is measured here
(threads, RSS, open files) is the polling side only: the headless polling layer (`check_batch` on a worker pool, one
task per account as the tray's workers do, `apply_result` on the main thread, the only one that writes the store).

Each cycle adds 1,000 jobs (250 per provider) with a random number of open checks and a random ending, polls until
every job has ended, checks each ended in its scripted state, removes them, and starts again until time is up.

    python bench/soak.py --minutes 10            # prints samples, then a summary (also as JSON with --json)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop_app.core.model import Account, KeySource, Secret
from desktop_app.engine.recorder import apply_result
from desktop_app.engine.results import CheckResult, ErrorKind, check_batch
from desktop_app.providers.base import ProviderConfig
from desktop_app.providers.registry import provider_class
from desktop_app.store.database import Store

JOBS_PER_CYCLE = 1000
FAULT_RATE = 0.20
PROVIDERS = ("pdfco", "ipaper", "scriptx", "encodingcom")
CREDENTIALS = {
    "pdfco": ("soak-pdfco-key", None),
    "ipaper": ("soak-ipaper-key", "APIKey"),
    "scriptx": ("0d9f1a7e-3c2b-4a55-9e10-50a450a450a4", None),
    "encodingcom": ("soak-encodingcom-key", "31337"),
}
TIMEOUT = (2.0, 0.5)


# ---- the child: simulators behind fault servers ------------------------------------------------------------------


def _endings(provider: str) -> list[tuple[Any, str]]:
    """(terminal step, the JobState it must end in) per provider."""
    if provider == "pdfco":
        from desktop_app.simulators import pdfco as p

        return [(p.success(), "succeeded"), (p.failed(), "failed"), (p.aborted(), "cancelled")]
    if provider == "ipaper":
        from desktop_app.simulators import ipaper as i

        return [(i.completed(), "succeeded"), (i.failed(), "failed"), (i.enrichment_failed(), "partial")]
    if provider == "scriptx":
        from desktop_app.simulators import scriptx as s

        return [(s.completed(), "succeeded"), (s.item_error(), "failed"), (s.abandoned(), "cancelled")]
    from desktop_app.simulators import encodingcom as e

    return [
        (e.finished(), "succeeded"),
        (e.error(), "failed"),
        (e.stopped(), "cancelled"),
        (e.finished_with_failed_output(), "partial"),
    ]


def _open_step(provider: str, checks: int) -> Any:
    if provider == "pdfco":
        from desktop_app.simulators import pdfco as p

        return p.working(checks=checks)
    if provider == "ipaper":
        from desktop_app.simulators import ipaper as i

        return i.pending(checks=checks)
    if provider == "scriptx":
        from desktop_app.simulators import scriptx as s

        return s.printing_pdf(checks=checks)
    from desktop_app.simulators import encodingcom as e

    return e.running("Processing", "50.0", "30", checks=checks)


def _simulator(provider: str) -> Any:
    key, user = CREDENTIALS[provider]
    if provider == "pdfco":
        from desktop_app.simulators.pdfco import PdfCoSimulator

        return PdfCoSimulator(key)
    if provider == "ipaper":
        from desktop_app.simulators.ipaper import IPaperSimulator

        return IPaperSimulator(key)
    if provider == "scriptx":
        from desktop_app.simulators.scriptx import ScriptXSimulator

        return ScriptXSimulator(key)
    from desktop_app.simulators.encodingcom import EncodingComSimulator

    return EncodingComSimulator(user, key)


def serve(conn: Connection, fault_rate: float, seed: int) -> None:
    """Child process: start everything, then answer `("jobs", n)` with new jobs until `("stop",)`."""
    from tests.support.fault_server import Fault, FaultServer

    rng = random.Random(seed)
    lock = threading.Lock()
    catalogue = [
        lambda: Fault.http(500, b"<html>oops</html>", "text/html"),
        lambda: Fault.http(502, b"bad gateway", "text/plain"),
        lambda: Fault.http(503, b"", "text/plain", **{"Retry-After": "1"}),
        lambda: Fault.rate_limited(1),
        Fault.reset,
        Fault.truncated,
        Fault.wrong_content_type,
        lambda: Fault.hang(TIMEOUT[1] + 0.3),
    ]

    def picker() -> Fault | None:
        with lock:
            if rng.random() >= fault_rate:
                return None
            return rng.choice(catalogue)()

    sims = {p: _simulator(p) for p in PROVIDERS}
    servers = {p: FaultServer(sims[p].handle, picker).start() for p in PROVIDERS}
    for provider, server in servers.items():
        server.keep_requests = False
        sims[provider].base_url = server.base_url
    conn.send({p: s.base_url for p, s in servers.items()})
    while True:
        message = conn.recv()
        if message[0] == "stop":
            break
        if message[0] == "stats":
            conn.send({p: (s.total_requests, s.faults_served) for p, s in servers.items()})
            continue
        count = message[1]
        jobs: list[tuple[str, str, str]] = []
        for index in range(count):
            provider = PROVIDERS[index % len(PROVIDERS)]
            ending, state = rng.choice(_endings(provider))
            job_id = sims[provider].add_job([_open_step(provider, rng.randint(1, 5)), ending])
            jobs.append((provider, job_id, state))
        conn.send(jobs)
    for server in servers.values():
        server.stop()


# ---- the parent: the polling side, measured ----------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@dataclass
class Sample:
    at: float
    rss_mb: float
    threads: int
    fds: int
    cycle: int
    open_jobs: int


def _check_account(provider_obj: Any, account: str, job_ids: list[str], not_before: float) -> list[CheckResult]:
    """One account's round, on a worker thread: its open jobs in batches. A failed batch is retried next round;
    the round stops for the account only when the provider asks us to slow down or refuses the key."""
    if time.monotonic() < not_before:
        return []
    results: list[CheckResult] = []
    for start in range(0, len(job_ids), provider_obj.max_batch):
        result = check_batch(provider_obj, account, job_ids[start : start + provider_obj.max_batch])
        results.append(result)
        if result.error_kind in (ErrorKind.RATE_LIMITED, ErrorKind.AUTH):
            break
    return results


def soak(minutes: float, fault_rate: float, seed: int, verbose: bool) -> dict[str, Any]:
    parent_conn, child_conn = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(target=serve, args=(child_conn, fault_rate, seed), daemon=True)
    child.start()
    urls: dict[str, str] = parent_conn.recv()
    folder = Path(tempfile.mkdtemp(prefix="jobtray-soak-"))
    store = Store(folder)
    providers: dict[str, Any] = {}
    for name in PROVIDERS:
        key, user = CREDENTIALS[name]
        store.accounts.add(Account(name=name, provider=name, key_source=KeySource.ENV, key_env="UNUSED"))
        config = ProviderConfig(base_url=urls[name], secret=Secret(key), username=user, timeout=TIMEOUT)
        providers[name] = provider_class(name)(config)
    pool = ThreadPoolExecutor(max_workers=len(PROVIDERS), thread_name_prefix="poll")
    started = time.monotonic()
    deadline = started + minutes * 60
    samples: list[Sample] = []
    next_sample = started
    not_before = dict.fromkeys(PROVIDERS, 0.0)
    cycles = checked_jobs = wrong = errors = rounds = 0
    cycle_seconds: list[float] = []
    try:
        while time.monotonic() < deadline:
            cycle_started = time.monotonic()
            parent_conn.send(("jobs", JOBS_PER_CYCLE))
            expected: dict[tuple[str, str], str] = {}
            with store.jobs.transaction():
                for provider, job_id, state in parent_conn.recv():
                    store.jobs.add(store.accounts.get(provider), job_id)
                    expected[(provider, job_id)] = state
            while True:
                open_by_account = {p: [j.job_id for j in store.jobs.open_jobs(p)] for p in PROVIDERS}
                if not any(open_by_account.values()):
                    break
                futures = [
                    pool.submit(_check_account, providers[p], p, ids, not_before[p])
                    for p, ids in open_by_account.items()
                    if ids
                ]
                rounds += 1
                if all(time.monotonic() < not_before[p] for p, ids in open_by_account.items() if ids):
                    time.sleep(0.05)  # every account is waiting out a Retry-After: do not spin
                for future in futures:
                    for result in future.result():
                        apply_result(store, result)
                        if not result.ok:
                            errors += 1
                            if result.retry_after:
                                not_before[result.account] = time.monotonic() + min(result.retry_after, 5.0)
                now = time.monotonic()
                if now >= next_sample:
                    open_count = sum(len(v) for v in open_by_account.values())
                    sample = Sample(now - started, rss_mb(), threading.active_count(), open_files(), cycles, open_count)
                    samples.append(sample)
                    next_sample = now + 5.0
                    if verbose:
                        print(
                            f"t={sample.at:6.0f}s rss={sample.rss_mb:6.1f}MB threads={sample.threads} "
                            f"fds={sample.fds} cycle={cycles} open={open_count}",
                            flush=True,
                        )
            for job in store.jobs.all(include_archived=True):
                if expected.get((job.provider, job.job_id)) != job.state.value:
                    wrong += 1
                    if verbose and wrong <= 5:
                        want = expected.get((job.provider, job.job_id))
                        print(f"WRONG {job.provider} {job.job_id}: {job.state} != {want}")
                checked_jobs += 1
            with store.jobs.transaction():
                for job in store.jobs.all(include_archived=True):
                    store.jobs.remove(job.id)
            cycles += 1
            cycle_seconds.append(time.monotonic() - cycle_started)
        parent_conn.send(("stats",))
        served: dict[str, tuple[int, int]] = parent_conn.recv()
    finally:
        parent_conn.send(("stop",))
        child.join(timeout=10)
        pool.shutdown()
        for provider_obj in providers.values():
            provider_obj.close()
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
    requests = sum(total for total, _ in served.values())
    faults = sum(f for _, f in served.values())
    warm = [s for s in samples if s.at >= min(60.0, minutes * 60 * 0.2)] or samples
    head, tail = warm[: max(1, len(warm) // 5)], warm[-max(1, len(warm) // 5) :]

    def avg(items: list[Sample], attr: str) -> float:
        return sum(getattr(s, attr) for s in items) / len(items)

    return {
        "minutes": round((time.monotonic() - started) / 60, 2),
        "cycles": cycles,
        "jobs_checked": checked_jobs,
        "jobs_in_wrong_state": wrong,
        "requests": requests,
        "faults_injected": faults,
        "fault_share": round(faults / requests, 3) if requests else 0,
        "error_results": errors,
        "rounds": rounds,
        "cycle_seconds_median": round(sorted(cycle_seconds)[len(cycle_seconds) // 2], 1) if cycle_seconds else None,
        "rss_mb_first": round(avg(head, "rss_mb"), 1),
        "rss_mb_last": round(avg(tail, "rss_mb"), 1),
        "rss_mb_max": round(max(s.rss_mb for s in samples), 1),
        "threads_first": round(avg(head, "threads"), 1),
        "threads_last": round(avg(tail, "threads"), 1),
        "threads_max": max(s.threads for s in samples),
        "fds_first": round(avg(head, "fds"), 1),
        "fds_last": round(avg(tail, "fds"), 1),
        "fds_max": max(s.fds for s in samples),
        "samples": len(samples),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--fault-rate", type=float, default=FAULT_RATE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    summary = soak(args.minutes, args.fault_rate, args.seed, verbose=not args.quiet)
    print(json.dumps(summary, indent=2) if args.json else "\n".join(f"{k}: {v}" for k, v in summary.items()))
    ok = (
        summary["jobs_in_wrong_state"] == 0
        and summary["threads_last"] <= summary["threads_first"] + 1
        and summary["fds_last"] <= summary["fds_first"] + 5
        and summary["rss_mb_last"] <= summary["rss_mb_first"] * 1.15 + 5
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
