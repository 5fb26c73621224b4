"""Milliseconds per request to a simulator on a kept-alive connection vs a fresh connection each time.

http.server wrote a response's headers and its body in two sends; with Nagle on the server and delayed ACK on the
client, the second send waited ~40 ms for the ACK of the first on every kept-alive request (a fresh connection is
in quick-ACK mode and did not pay it). Run: `.venv/bin/python bench/keepalive.py [--requests N]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.simulators import pdfco
from desktop_app.simulators.server import serve
from tests.support.fault_server import FaultServer


def _per_request_ms(url: str, headers: dict[str, str], requests_n: int, *, kept_alive: bool) -> list[float]:
    times: list[float] = []
    session = requests.Session() if kept_alive else None
    try:
        for _ in range(requests_n):
            start = time.perf_counter()
            if session is not None:
                answer = session.get(url, headers=headers, timeout=10)
            else:
                answer = requests.get(url, headers={**headers, "Connection": "close"}, timeout=10)
            answer.raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        if session is not None:
            session.close()
    return times


def _report(name: str, url: str, headers: dict[str, str], requests_n: int) -> None:
    _per_request_ms(url, headers, 3, kept_alive=True)  # warm-up: imports, first connection
    for kept_alive in (True, False):
        times = _per_request_ms(url, headers, requests_n, kept_alive=kept_alive)
        label = "kept-alive" if kept_alive else "fresh     "
        print(
            f"{name:<14} {label}  mean {statistics.mean(times):6.2f} ms  median {statistics.median(times):6.2f} ms"
            f"  max {max(times):6.2f} ms  ({requests_n} GETs)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    simulator = pdfco.PdfCoSimulator(api_key="bench-key")
    job_id = pdfco.new_job_id()
    simulator.jobs.add(job_id, [pdfco.working()])
    server = serve(simulator)
    try:
        url = f"{server.base_url}/v1/job/check?jobid={job_id}"
        _report("simulator", url, {"x-api-key": "bench-key"}, args.requests)
        with FaultServer(simulator.handle) as fault_server:
            _report(
                "fault server",
                f"{fault_server.base_url}/v1/job/check?jobid={job_id}",
                {"x-api-key": "bench-key"},
                args.requests,
            )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
