"""`jobtray simulate`: every provider simulator on 127.0.0.1, with sample jobs, until Ctrl-C."""

from __future__ import annotations

import threading
from typing import Protocol

from desktop_app.simulators import pdfco
from desktop_app.simulators.server import SimulatorServer, serve

DEMO_KEYS = {"pdfco": "demo-pdfco-key"}


class Printer(Protocol):
    def line(self, text: str = "") -> None: ...


def start_all(port: int = 0) -> dict[str, tuple[SimulatorServer, list[str], dict[str, str]]]:
    """Start every simulator; {provider: (server, sample job IDs, credentials)}."""
    running: dict[str, tuple[SimulatorServer, list[str], dict[str, str]]] = {}
    sim = pdfco.PdfCoSimulator(DEMO_KEYS["pdfco"])
    samples = [
        sim.add_job([pdfco.working(seconds=20), pdfco.success()]),
        sim.add_job([pdfco.working(seconds=30), pdfco.failed()]),
        sim.add_job([pdfco.working(seconds=15), pdfco.aborted()]),
    ]
    running["pdfco"] = (serve(sim, port=port), samples, {"key": DEMO_KEYS["pdfco"]})
    return running


def run_simulators(io: Printer, port: int = 0) -> int:
    running = start_all(port)
    try:
        for provider, (server, samples, creds) in running.items():
            io.line(f"{provider}\t{server.base_url}")
            for name, value in creds.items():
                io.line(f"  {name}: {value}")
            for job_id in samples:
                io.line(f"  job: {job_id}")
        io.line("press Ctrl-C to stop")
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server, _, _ in running.values():
            server.stop()
    return 0
