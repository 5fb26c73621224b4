"""Hand-off benchmark: `jobtray add` -> the job's row in a running tray.

Starts the real tray (`python -m desktop_app --data-dir DIR`, offscreen, its socket in a private
XDG_RUNTIME_DIR) on a fresh data folder with one PDF.co account on a simulator served by this process, then
measures, for --runs distinct job IDs:
  - `jobtray add` end to end: from just before a real `python -m desktop_app add --account pdfs ID` process is
    started until it exits. It exits after the tray answered `ok`, which the tray sends once the job is in its
    window's model (JobAdder.accept_handoff; while another program holds the database the job is queued and
    answered at once, written when it is free), so this is "command typed -> row in the tray", Python's own
    start-up included.
  - the hand-off alone: system/handoff.hand_over from this process (connect, `watch` line, `ok` reply).
and checks afterwards that every job got its first check. Prints p50/p95 of both.

Run: python bench/handoff.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.core.handoff import WatchRequest  # noqa: E402
from desktop_app.core.model import Account, KeySource  # noqa: E402
from desktop_app.simulators import pdfco  # noqa: E402
from desktop_app.simulators.server import serve  # noqa: E402
from desktop_app.store.database import Store  # noqa: E402
from desktop_app.system.handoff import hand_over, instance_key  # noqa: E402

KEY = "bench-handoff-key"


def job_id(i: int) -> str:
    return f"{i:032d}"[:24].replace("0", "Q") + f"{i:08d}--1-2"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jobtray-handoff-"))
    runtime = work / "run"
    runtime.mkdir(mode=0o700)
    data = work / "data"
    sim = pdfco.PdfCoSimulator(KEY)
    server = serve(sim)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), QT_QPA_PLATFORM="offscreen", PDFCO_KEY=KEY)
    env.update(HOME=str(work), XDG_CONFIG_HOME=str(work / "config"), XDG_DATA_HOME=str(work / "share"))
    with Store(data) as store:
        store.accounts.add(
            Account("pdfs", "pdfco", KeySource.ENV, base_url=server.base_url, key_env="PDFCO_KEY", rate_limit="100/s")
        )
    ids = [job_id(i) for i in range(2 * args.runs)]
    for i in ids:
        sim.add_job([pdfco.working()], job_id=i)
    tray = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "--data-dir", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    key = instance_key_for(data, env)
    try:
        deadline = time.monotonic() + 30
        while not Path(key).exists():
            if time.monotonic() > deadline or tray.poll() is not None:
                raise SystemExit("the tray did not start")
            time.sleep(0.05)
        time.sleep(1.0)  # let it settle (workers start after the icon)
        end_to_end: list[float] = []
        for i in ids[: args.runs]:
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "desktop_app", "--data-dir", str(data), "add", "--account", "pdfs", i],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            end_to_end.append(time.perf_counter() - started)
            if result.returncode != 0:
                raise SystemExit(result.stderr)
        alone: list[float] = []
        for i in ids[args.runs :]:
            started = time.perf_counter()
            reply = hand_over(key, WatchRequest("pdfs", i))
            alone.append(time.perf_counter() - started)
            if reply is None or not reply.ok:
                raise SystemExit(f"no hand-off: {reply}")
        time.sleep(2.0)
        with Store(data) as store:
            checked = sum(1 for job in store.jobs.all() if job.checks > 0)
    finally:
        tray.terminate()
        tray.wait(10)
        server.stop()
    print(f"runs: {args.runs} each; jobs checked within 2 s of the last hand-off: {checked}/{len(ids)}")
    for name, values in (("jobtray add (process) -> row", end_to_end), ("hand-off alone", alone)):
        print(
            f"{name}: p50 {statistics.median(values) * 1000:.0f} ms, p95 {percentile(values, 95) * 1000:.0f} ms, "
            f"max {max(values) * 1000:.0f} ms"
        )
    return 0


def instance_key_for(data: Path, env: dict[str, str]) -> str:
    """The tray's key as the tray computes it in `env` (its XDG_RUNTIME_DIR)."""
    old = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]
    try:
        return instance_key(data)
    finally:
        if old is None:
            del os.environ["XDG_RUNTIME_DIR"]
        else:
            os.environ["XDG_RUNTIME_DIR"] = old


if __name__ == "__main__":
    raise SystemExit(main())
