"""Smoke-test a built bundle against the venv: both add, poll and list PDF.co simulator jobs the same way.

    python packaging/smoke_test.py dist/jobtray/jobtray [--venv-jobtray .venv/bin/jobtray]

Runs in the build venv (it needs desktop_app for the simulator). Exits non-zero with a diff on any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from desktop_app.simulators import pdfco
from desktop_app.simulators.server import serve

KEY = "smoke-test-key-7d1e"


def run(exe: list[str], data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, JOBTRAY_DATA_DIR=str(data), SMOKE_PDFCO_KEY=KEY)
    return subprocess.run([*exe, *args], capture_output=True, text=True, env=env, timeout=60, check=False)


def session(exe: list[str], data: Path, base_url: str, job_ids: list[str]) -> tuple[list[dict[str, Any]], float]:
    """The CLI round trip; returns the final `list --json` (without times) and the slowest command's seconds."""
    slowest = 0.0
    steps = [
        ["--version"],
        ["account", "add", "smoke", "--provider", "pdfco", "--base-url", base_url, "--key-env", "SMOKE_PDFCO_KEY"],
        ["add", "--account", "smoke", *job_ids],
        ["poll"],
        ["poll"],
    ]
    for args in steps:
        started = time.perf_counter()
        result = run(exe, data, *args)
        slowest = max(slowest, time.perf_counter() - started)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(exe)} {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    listing = run(exe, data, "list", "--json")
    jobs = json.loads(listing.stdout)
    for job in jobs:
        for key in ("created_at", "updated_at", "finished_at"):
            job[key] = job[key] is not None
    if any(KEY.encode() in p.read_bytes() for p in data.rglob("*") if p.is_file()):
        raise SystemExit(f"the key was written into {data}")
    return sorted(jobs, key=lambda j: j["job_id"]), slowest


def keyring_child(exe: list[str]) -> dict[str, Any]:
    """The tray's keyring child (system/keyring_child.py) asked for a key the keyring does not have: the frozen app
    starts it with its own argument (packaging/entry.py), the venv with `python -m`."""
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    request = json.dumps({"op": "read", "names": ["account:smoke"]})
    result = subprocess.run(exe, input=request, capture_output=True, text=True, env=env, timeout=60, check=False)
    if result.returncode != 0:
        raise SystemExit(f"the keyring child {' '.join(exe)} failed ({result.returncode}): {result.stderr}")
    return dict(json.loads(result.stdout))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--venv-jobtray", default=shutil.which("jobtray") or "")
    args = parser.parse_args()
    sim = pdfco.PdfCoSimulator(KEY)
    server = serve(sim)
    results = {}
    try:
        for name, exe in (("frozen", [str(args.bundle)]), ("venv", [args.venv_jobtray])):
            job_ids = [
                sim.add_job([pdfco.success()], "SUCCESS" + "A" * 25),
                sim.add_job([pdfco.failed("damaged")], "FAILED" + "B" * 26),
                sim.add_job([pdfco.working(checks=1), pdfco.success()], "LATER" + "C" * 27),
                "UNKNOWN" + "D" * 25,
                sim.add_job([pdfco.aborted()], "ABORTED" + "E" * 25),
            ]
            with tempfile.TemporaryDirectory() as data:
                results[name] = session(exe, Path(data), server.base_url, job_ids)
    finally:
        server.stop()
    from desktop_app.system.keyring_child import KEYRING_CHILD_ARG, MODULE

    frozen_child = keyring_child([str(args.bundle), KEYRING_CHILD_ARG])
    venv_child = keyring_child([sys.executable, "-m", MODULE])
    print(f"keyring child: frozen {frozen_child}")
    if frozen_child != venv_child or "error" not in frozen_child.get("keys", {}).get("account:smoke", {}):
        print(f"the keyring child differs: frozen {frozen_child}, venv {venv_child}", file=sys.stderr)
        return 1
    (frozen, frozen_slowest), (venv, venv_slowest) = results["frozen"], results["venv"]
    states = {j["job_id"].rstrip(j["job_id"][-1]): j["state"] for j in frozen}
    print(f"frozen: {states}")
    print(f"slowest command: frozen {frozen_slowest:.2f} s, venv {venv_slowest:.2f} s")
    if frozen != venv:
        print("frozen and venv differ:", json.dumps(frozen, indent=1), json.dumps(venv, indent=1), file=sys.stderr)
        return 1
    expected = {
        "SUCCESS": "succeeded",
        "FAILED": "failed",
        "LATER": "succeeded",
        # PDF.co's `unknown` ends a job as not_found only once it persists (3 answers over 60 s, issue 20);
        # a smoke test's few checks leave it running.
        "UNKNOWN": "running",
        "ABORTED": "cancelled",
    }
    if states != expected:
        print(f"unexpected states: {states}", file=sys.stderr)
        return 1
    print("smoke test passed: the bundle adds, polls and lists exactly as the venv does")
    return 0


if __name__ == "__main__":
    sys.exit(main())
