"""`jobtray simulate`: every provider simulator on 127.0.0.1, with sample jobs, until Ctrl-C.

`start_all` is also what demo mode calls: it returns running servers and leaves nothing else running (if one
simulator fails to start, the ones already started are stopped before the error propagates).
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable
from typing import Protocol

from desktop_app.simulators import cloudconvert, encodingcom, ipaper, pdfco, scriptx
from desktop_app.simulators.server import SimulatorServer, serve

DEMO_KEYS = {
    "pdfco": "demo-pdfco-key",
    "ipaper": "demo-ipaper-key",
    "scriptx": "13598d2f-8724-467b-ae64-6e53e9e9f644",  # the GUID from MeadCo's docs example
    "encodingcom": "demo-encodingcom-userkey",
    "cloudconvert": "demo-cloudconvert-key",
}
DEMO_USERNAMES = {"encodingcom": "12345"}  # encoding.com user IDs are positive integers

Running = dict[str, tuple[SimulatorServer, list[str], dict[str, str]]]


class Printer(Protocol):
    def line(self, text: str = "") -> None: ...


def _start_pdfco(port: int) -> tuple[SimulatorServer, list[str], dict[str, str]]:
    sim = pdfco.PdfCoSimulator(DEMO_KEYS["pdfco"])
    samples = [
        sim.add_job([pdfco.working(seconds=8), pdfco.success()]),  # an early success: a short demo shows one
        sim.add_job([pdfco.working(seconds=30), pdfco.failed()]),
        sim.add_job([pdfco.working(seconds=15), pdfco.aborted()]),
    ]
    return serve(sim, port=port), samples, {"key": DEMO_KEYS["pdfco"]}


def _start_ipaper(port: int) -> tuple[SimulatorServer, list[str], dict[str, str]]:
    sim = ipaper.IPaperSimulator(DEMO_KEYS["ipaper"])
    samples = [
        sim.add_job([ipaper.pending(seconds=20), ipaper.completed()]),
        sim.add_job([ipaper.pending(seconds=35), ipaper.enrichment_failed()]),
        sim.add_job([ipaper.pending(seconds=25), ipaper.failed()]),
    ]
    return serve(sim, port=port), samples, {"key": DEMO_KEYS["ipaper"]}


def _start_scriptx(port: int) -> tuple[SimulatorServer, list[str], dict[str, str]]:
    sim = scriptx.ScriptXSimulator(DEMO_KEYS["scriptx"])
    samples = [
        sim.add_job([scriptx.queued(seconds=5), scriptx.printing_pdf(seconds=15), scriptx.completed()]),
        sim.add_job([scriptx.queued(seconds=10), scriptx.item_error()]),
        sim.add_job([scriptx.printing_pdf(seconds=30), scriptx.abandoned()]),
    ]
    return serve(sim, port=port), samples, {"key": DEMO_KEYS["scriptx"]}


def _start_encodingcom(port: int) -> tuple[SimulatorServer, list[str], dict[str, str]]:
    sim = encodingcom.EncodingComSimulator(DEMO_USERNAMES["encodingcom"], DEMO_KEYS["encodingcom"])
    samples = [
        sim.add_job(
            [
                encodingcom.new(seconds=5),
                encodingcom.running("Downloading", "20.0", "60", seconds=5),
                encodingcom.waiting_for_encoder(seconds=5),
                encodingcom.running("Processing", "60.0", "20", seconds=10),
                encodingcom.running("Saving", "95.0", "3", seconds=5),
                encodingcom.finished(),
            ]
        ),
        sim.add_job(
            [encodingcom.running("Processing", "30.0", "40", seconds=40), encodingcom.finished_with_failed_output()]
        ),
        sim.add_job([encodingcom.new(seconds=10), encodingcom.error()]),
        sim.add_job([encodingcom.running("Processing", "10.0", "90", seconds=45), encodingcom.stopped()]),
    ]
    credentials = {"key": DEMO_KEYS["encodingcom"], "username": DEMO_USERNAMES["encodingcom"]}
    return serve(sim, port=port), samples, credentials


def _start_cloudconvert(port: int) -> tuple[SimulatorServer, list[str], dict[str, str]]:
    sim = cloudconvert.CloudConvertSimulator(DEMO_KEYS["cloudconvert"])
    samples = [
        sim.add_job([cloudconvert.waiting(seconds=3), cloudconvert.processing(45, seconds=9), cloudconvert.finished()]),
        sim.add_job([cloudconvert.processing(20, seconds=20), cloudconvert.error()]),
    ]
    return serve(sim, port=port), samples, {"key": DEMO_KEYS["cloudconvert"]}


Starter = Callable[[int], tuple[SimulatorServer, list[str], dict[str, str]]]

_STARTERS: dict[str, Starter] = {
    "ipaper": _start_ipaper,
    "scriptx": _start_scriptx,
    "pdfco": _start_pdfco,
    "encodingcom": _start_encodingcom,
}
# Providers defined in files that JobTray ships (providers/definitions/): `provider add NAME` before their account.
DEFINED_STARTERS: dict[str, Starter] = {"cloudconvert": _start_cloudconvert}


def start_all(port: int = 0, with_defined: bool = False) -> Running:
    """Start every simulator; {provider: (server, sample job IDs, credentials)}.

    Credentials hold what `jobtray account add` needs: `key` (in the variable of --key-env) and, where the provider
    needs one, `username` (--username). With `port` 0 each server takes any free port; otherwise port, port+1, ...
    `with_defined` adds the simulators of shipped definitions (`DEFINED_STARTERS`) after the built-in ones.
    """
    running: Running = {}
    starters = {**_STARTERS, **(DEFINED_STARTERS if with_defined else {})}
    try:
        for offset, (provider, start) in enumerate(starters.items()):
            running[provider] = start(port + offset if port else 0)
    except BaseException:
        for server, _, _ in running.values():
            server.stop()
        raise
    return running


def key_variable(provider: str) -> str:
    """The environment variable `simulate`'s printed commands keep a simulator's demo key in."""
    return f"JOBTRAY_SIM_{provider.upper()}_KEY"


def account_add_line(provider: str, base_url: str, credentials: dict[str, str]) -> str:
    """A shell line that adds a simulator's demo account and works as printed on any machine: the key in an
    exported variable (--key-env), which `watch` and the tray started from that shell read too. --key-stdin
    needs a Secret Service, which a server or a container often lacks. The key is a demo key: argv is fine."""
    var = key_variable(provider)
    username = f" --username {shlex.quote(credentials['username'])}" if "username" in credentials else ""
    define = f"jobtray provider add {provider} && " if provider in DEFINED_STARTERS else ""
    return (
        f"export {var}={shlex.quote(credentials['key'])}; {define}jobtray account add sim-{provider} "
        f"--provider {provider} --base-url {shlex.quote(base_url)}{username} --key-env {var}"
    )


def run_simulators(io: Printer, port: int = 0) -> int:
    running = start_all(port, with_defined=True)
    try:
        for provider, (server, samples, creds) in running.items():
            io.line(f"{provider}\t{server.base_url}")
            for name, value in creds.items():
                io.line(f"  {name}: {value}")
            for job_id in samples:
                io.line(f"  job: {job_id}")
            io.line(f"  add: {account_add_line(provider, server.base_url, creds)}")
        io.line("press Ctrl-C to stop")
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server, _, _ in running.values():
            server.stop()
    return 0
