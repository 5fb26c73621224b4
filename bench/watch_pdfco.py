"""`jobtray watch` for real: the CLI in its own process against the PDF.co simulator over HTTP, in real time.

30 jobs lasting 5-80 s (seeded), submitted one every 2 s as a busy script would. The account uses a paid plan's
10/s (1 s polling of this many jobs would not fit the free plan's 2/s at all). The bench timestamps each line
`watch` prints, so a finish's detection delay is measured from outside, and counts requests at the simulator.
1 s polling's cost is what it would send: one check at submission and one a second until it sees the finish.

Run: python bench/watch_pdfco.py [--jobs 30] [--seed N]   (takes about two minutes)
"""

from __future__ import annotations

import argparse
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a fresh checkout, no install

from desktop_app.simulators import pdfco as steps  # noqa: E402 - after the path set-up above
from desktop_app.simulators.server import serve  # noqa: E402

KEY = "bench-pdfco-key"
SPACING = 2.0


def jobtray(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "desktop_app", *args], env=env, check=True, capture_output=True, text=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    durations = [rng.uniform(5.0, 80.0) for _ in range(args.jobs)]
    sim = steps.PdfCoSimulator(KEY)
    server = serve(sim)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.update(
            JOBTRAY_DATA_DIR=str(Path(tmp) / "data"),
            HOME=tmp,
            BENCH_PDFCO_KEY=KEY,
            PYTHONUNBUFFERED="1",  # lines must reach us when printed, to be timed
            PYTHONPATH=str(ROOT),
        )
        jobtray(env, "account", "add", "main", "--provider", "pdfco", "--base-url", server.base_url,
                "--key-env", "BENCH_PDFCO_KEY", "--rate-limit", "10/s")  # fmt: skip
        ends: dict[str, float] = {}
        seen: dict[str, float] = {}
        watch: subprocess.Popen[str] | None = None
        reader: threading.Thread | None = None

        def read_lines(stream: Sequence[str]) -> None:
            for text in stream:
                if "-> succeeded" in text:
                    seen[text.split("\t")[1]] = time.monotonic()

        started = time.monotonic()
        try:
            for n, duration in enumerate(durations):
                job_id = sim.add_job([steps.working(seconds=duration), steps.success()])
                ends[job_id] = time.monotonic() + duration
                jobtray(env, "add", "--account", "main", job_id)
                if watch is None:
                    watch = subprocess.Popen(
                        [sys.executable, "-m", "desktop_app", "watch", "--timeout", "600"],
                        env=env,
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                    assert watch.stdout is not None
                    reader = threading.Thread(target=read_lines, args=(watch.stdout,), daemon=True)
                    reader.start()
                time.sleep(max(0.0, started + (n + 1) * SPACING - time.monotonic()))
            assert watch is not None and reader is not None
            code = watch.wait(timeout=900)
            reader.join(timeout=10)
        finally:
            if watch is not None and watch.poll() is None:
                watch.kill()
            server.stop()
    requests = server.request_count
    one_second = sum(math.ceil(d) + 1 for d in durations)
    delays = sorted(seen[j] - end for j, end in ends.items() if j in seen)
    pairs = zip(ends.items(), durations, strict=True)
    within = sum(seen[j] - end <= max(3.0, 0.1 * d) for (j, end), d in pairs if j in seen)
    print(
        f"jobs: {len(durations)} lasting {min(durations):.1f}-{max(durations):.1f} s, one submitted every {SPACING:g} s"
    )
    print(f"watch exit code: {code}; finishes seen: {len(seen)}/{len(durations)}")
    print(f"requests: watch {requests}, 1 s polling {one_second} ({requests / one_second:.2f} of it)")
    print(
        f"detection delay: median {delays[len(delays) // 2]:.2f} s, max {delays[-1]:.2f} s; "
        f"within max(3 s, 10 % of duration): {within}/{len(durations)}"
    )
    return 0 if code == 0 and len(seen) == len(durations) else 1


if __name__ == "__main__":
    raise SystemExit(main())
