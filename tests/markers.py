"""Markers by what a test starts, found in its source: `server` (a listening socket: a simulator, a fault server,
any socketserver) and `subprocess` (another process). Nobody has to remember to add them, and files stay where their
owners keep them.

A test is marked when its own source, the source of the module-level functions it calls, or the source of any
fixture it uses (all the way down) names something that starts a server or a process. `pytest tests/unit` (the
folder exactly) then leaves out the marked tests and the gui/desktop/slow ones, and fails a test that starts one
anyway: a test that slips through the scan says so instead of slowing the fast run down.
"""

from __future__ import annotations

import inspect
import re
import socket
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
UNIT = TESTS / "unit"
FAST_UNIT_SKIPS = ("server", "subprocess", "gui", "desktop", "slow")

_SERVER = re.compile(
    r"\b(serve|serve_faults|start_all|run_simulators|SimulatorServer|FaultServer|RecordingServer|ObjectStoreServer"
    r"|HTTPServer|ThreadingHTTPServer|TCPServer|socketserver|QLocalServer|SingleInstance)\b|\w+_simulator\b|\.listen\("
)
_PROCESS = re.compile(
    r"\b(subprocess|Popen|CommandRunner|run_command|OutboxRunner|os\.fork|multiprocessing|sys\.executable"
    r"|run_virtual_desktop)\b|\bsh -c\b|[\"']sh[\"'],"
)
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def _source(obj: Any) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def _test_text(item: pytest.Function) -> str:
    """The test's source, every fixture it uses, and (two calls deep) the module's own functions and classes that
    they call."""
    parts = [_source(item.function)]
    info = getattr(item, "_fixtureinfo", None)
    if info is not None:
        for name, defs in info.name2fixturedefs.items():
            parts.append(name)
            parts.extend(_source(fixture_def.func) for fixture_def in defs)
    module = item.module
    seen: set[str] = set()
    for _depth in range(2):
        for name in set(_CALL.findall("\n".join(parts))) - seen:
            seen.add(name)
            helper = getattr(module, name, None)
            if (inspect.isfunction(helper) or inspect.isclass(helper)) and helper.__module__ == module.__name__:
                parts.append(_source(helper))
    return "\n".join(parts)


def mark_by_what_they_start(items: Iterable[pytest.Item]) -> None:
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        text = _test_text(item)
        if _SERVER.search(text):
            item.add_marker(pytest.mark.server)
        if _PROCESS.search(text):
            item.add_marker(pytest.mark.subprocess)


def is_fast_unit_run(config: pytest.Config) -> bool:
    """`pytest tests/unit` with no -m: every path given is the unit folder itself."""
    if config.option.markexpr:
        return False
    paths = [Path(arg.split("::", 1)[0]).resolve() for arg in config.args]
    return bool(paths) and all(path == UNIT for path in paths)


def leave_out_slow_kinds(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept, left = [], []
    for item in items:
        (left if any(item.get_closest_marker(name) for name in FAST_UNIT_SKIPS) else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def _refuse(what: str) -> Callable[..., Any]:
    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(
            f"this test starts {what} but `pytest tests/unit` runs only tests that start none: "
            f"mark it @pytest.mark.{'server' if what == 'a server' else 'subprocess'} (tests/markers.py missed it)"
        )

    return refused


def guard_fast_unit_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "listen", _refuse("a server"))
    monkeypatch.setattr(subprocess.Popen, "_execute_child", _refuse("a process"))
