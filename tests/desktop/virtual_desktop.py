"""A throwaway desktop for tests: Xvfb, a private D-Bus session, dunst, a StatusNotifierItem tray host, dbusmock.

Each piece is started as a child process in its own session, remembered by its `Popen`, and stopped by PID
(terminate, then kill) in `ProcessGroup.stop_all`. Nothing is found or stopped by name.

The private bus uses its own config without service directories: a call to org.freedesktop.Notifications must
never D-Bus-activate the system's dunst behind a test's back (that process would not be ours to stop).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_ENV = "JOBTRAY_REQUIRE_DESKTOP"
NOTIFICATIONS = "org.freedesktop.Notifications"
START_TIMEOUT = 10.0

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={runtime}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

# dunst 1.9: keep every notification in history, never time out (the tests read history), show actions.
DUNST_CONFIG = """[global]
    monitor = 0
    follow = none
    width = 300
    height = 100
    origin = top-right
    offset = 10x50
    history_length = 100
    stack_duplicates = false
    sticky_history = yes
    show_indicators = yes
    markup = full
    font = DejaVu Sans 9
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
"""


def require_tools(*tools: str) -> None:
    """Skip the test when a tool is missing, or fail when $JOBTRAY_REQUIRE_DESKTOP=1 (CI)."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    text = f"desktop tools missing: {', '.join(missing)} (Debian: see .ci/run)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(text)
    pytest.skip(text)


def wait_for(check: Callable[[], bool], timeout: float = START_TIMEOUT, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


class ProcessGroup:
    """Processes this test run started; stopped in reverse order, by PID."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.remove_after: list[Path] = []  # folders removed once everything is stopped (the session's runtime)

    def start(
        self, name: str, argv: list[str], env: Mapping[str, str], log: Path, **kwargs: object
    ) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            proc: subprocess.Popen[bytes] = subprocess.Popen(  # type: ignore[call-overload]
                argv,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=kwargs.pop("stdout", out),
                stderr=out,
                start_new_session=True,  # a Ctrl-C of pytest must not hit them first; we stop them ourselves
                **kwargs,
            )
        self.procs.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=3)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        self.procs = [(n, p) for n, p in self.procs if p is not proc]

    def stop_all(self) -> None:
        for _, proc in reversed(list(self.procs)):
            self.stop(proc)
        for folder in self.remove_after:
            shutil.rmtree(folder, ignore_errors=True)


def _read_line(proc: subprocess.Popen[bytes], fd: int, what: str) -> str:
    """The first line a child writes on `fd`, without blocking forever on a child that died."""
    data = b""
    deadline = time.monotonic() + START_TIMEOUT
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or proc.poll() is not None:
            raise RuntimeError(f"{what} did not start (exit code {proc.poll()})")
        ready, _, _ = select.select([fd], [], [], min(remaining, 0.2))
        if ready:
            chunk = os.read(fd, 256)
            if not chunk:
                raise RuntimeError(f"{what} closed its output before printing a line")
            data += chunk
    return data.decode().strip()


@dataclass
class DesktopSession:
    """Where the pieces live; `env` is what a client process needs (DISPLAY, D-Bus address, HOME...)."""

    root: Path
    env: dict[str, str]
    procs: ProcessGroup
    history_after_id: int = 0  # dunst 1.9 cannot clear its history: older entries are skipped instead

    @property
    def bus_address(self) -> str:
        return self.env["DBUS_SESSION_BUS_ADDRESS"]

    @property
    def display(self) -> str:
        return self.env["DISPLAY"]

    def log(self, name: str) -> Path:
        return self.root / f"{name}.log"

    # ---- pieces --------------------------------------------------------------------------------------------

    def start_xvfb(self) -> None:
        require_tools("Xvfb")
        read_fd, write_fd = os.pipe()
        try:
            # -displayfd: Xvfb picks a free display number itself and writes it to the pipe when ready.
            proc = self.procs.start(
                "Xvfb",
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                self.env,
                self.log("xvfb"),
                pass_fds=(write_fd,),
            )
            os.close(write_fd)
            write_fd = -1
            number = _read_line(proc, read_fd, "Xvfb")
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        self.env["DISPLAY"] = f":{number}"

    def start_dbus(self) -> None:
        require_tools("dbus-daemon")
        config = self.root / "session.conf"
        config.write_text(BUS_CONFIG.format(runtime=self.env["XDG_RUNTIME_DIR"]))
        # --nofork keeps the daemon our child, so its PID is the one we stop.
        proc = self.procs.start(
            "dbus-daemon",
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            self.env,
            self.log("dbus"),
            stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None
        self.env["DBUS_SESSION_BUS_ADDRESS"] = _read_line(proc, proc.stdout.fileno(), "dbus-daemon")

    def dbus_send(self, dest: str, path: str, method: str, *args: str) -> str:
        """`dbus-send --print-reply` on this session's bus; the reply text ("" when the call failed)."""
        result = subprocess.run(
            ["dbus-send", "--session", "--print-reply", f"--dest={dest}", path, method, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return result.stdout

    def name_has_owner(self, name: str) -> bool:
        reply = self.dbus_send(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{name}"
        )
        return "boolean true" in reply

    def watcher_property(self, name: str) -> str:
        """A property of the StatusNotifierWatcher (the tray host's registry), as dbus-send prints it."""
        return self.dbus_send(
            "org.kde.StatusNotifierWatcher",
            "/StatusNotifierWatcher",
            "org.freedesktop.DBus.Properties.Get",
            "string:org.kde.StatusNotifierWatcher",
            f"string:{name}",
        )

    def sni_host_registered(self) -> bool:
        return "boolean true" in self.watcher_property("IsStatusNotifierHostRegistered")

    def start_dunst(self) -> subprocess.Popen[bytes]:
        require_tools("dunst", "dunstctl", "dbus-send")
        config = self.root / "dunstrc"
        config.write_text(DUNST_CONFIG)
        # -print writes each notification with its actions (history has none); stdbuf makes it line-buffered.
        argv = ["dunst", "-config", str(config), "-print"]
        if shutil.which("stdbuf"):
            argv = ["stdbuf", "-oL", *argv]
        proc = self.procs.start("dunst", argv, self.env, self.log("dunst"))
        wait_for(lambda: self.name_has_owner(NOTIFICATIONS) or proc.poll() is not None, what="dunst on D-Bus")
        if proc.poll() is not None:
            raise RuntimeError(f"dunst exited with {proc.returncode}; see {self.log('dunst')}")
        return proc

    def start_sni_host(self, attempts: int = 3) -> subprocess.Popen[bytes]:
        """The tray host. gtk-sni-tray-standalone sometimes dies at start on a race of its own ("UnknownObject",
        then a pattern-match failure in its Main.hs): seen on busy machines; it is started again, up to
        `attempts` times, before the desktop counts as broken."""
        require_tools("gtk-sni-tray-standalone", "dbus-send")
        for attempt in range(1, attempts + 1):
            proc = self.procs.start(
                "gtk-sni-tray-standalone",
                ["gtk-sni-tray-standalone", "--top", "--end", "--watcher", "--size", "40"],
                self.env,
                self.log("sni"),
            )
            # The watcher name comes first; Qt sees a tray only once the host has registered with it too.
            wait_for(
                lambda proc=proc: self.sni_host_registered() or proc.poll() is not None,
                timeout=2 * START_TIMEOUT,
                what="the StatusNotifierItem host",
            )
            if proc.poll() is None:
                return proc
            if attempt < attempts:
                time.sleep(0.2 * attempt)
        raise RuntimeError(f"gtk-sni-tray-standalone exited with {proc.returncode}; see {self.log('sni')}")

    def start_notification_mock(self, capabilities: str = "body body-markup actions icon-static") -> None:
        """python-dbusmock with our template (tests/desktop/notification_template.py)."""
        try:
            import dbusmock  # noqa: F401
        except ImportError:
            if os.environ.get(REQUIRE_ENV) == "1":
                pytest.fail("python-dbusmock is not installed (pip install -e '.[test]')")
            pytest.skip("python-dbusmock is not installed")
        template = Path(__file__).with_name("notification_template.py")
        proc = self.procs.start(
            "dbusmock",
            [
                sys.executable,
                "-m",
                "dbusmock",
                "--session",
                "--template",
                str(template),
                "--parameters",
                json.dumps({"capabilities": capabilities}),
            ],
            self.env,
            self.log("dbusmock"),
        )
        wait_for(lambda: self.name_has_owner(NOTIFICATIONS) or proc.poll() is not None, what="dbusmock")
        if proc.poll() is not None:
            raise RuntimeError(f"dbusmock exited with {proc.returncode}; see {self.log('dbusmock')}")

    # ---- dunst ---------------------------------------------------------------------------------------------

    def dunstctl(self, *args: str) -> str:
        result = subprocess.run(
            ["dunstctl", *args], env=self.env, capture_output=True, text=True, timeout=10, check=True
        )
        return result.stdout

    def dunst_history(self) -> list[dict[str, str]]:
        """What dunst received, oldest first: appname, summary, body (and the rest, as plain values)."""
        # Shown notifications only reach the history once closed.
        self.dunstctl("close-all")
        data = json.loads(self.dunstctl("history"))
        entries = data["data"][0] if data.get("data") else []
        rows = [{key: value.get("data") for key, value in entry.items()} for entry in entries]
        rows = [row for row in rows if int(row.get("id") or 0) > self.history_after_id]
        rows.sort(key=lambda row: int(row.get("id") or 0))
        return rows

    def dunst_printed(self) -> list[dict[str, object]]:
        """Notifications as dunst's -print wrote them (after `dunst_clear`): summary, appname, id, actions."""
        found: list[dict[str, object]] = []
        current: dict[str, object] | None = None
        actions: dict[str, str] | None = None
        for line in self.log("dunst").read_text(errors="replace").splitlines():
            if line == "{":
                current = {}
            elif line == "}" and current is not None:
                if int(str(current.get("id") or 0)) > self.history_after_id:
                    found.append(current)
                current = None
            elif current is None:
                continue
            elif actions is not None:
                if line.strip() == "}":
                    current["actions"], actions = actions, None
                else:
                    key, _, title = line.strip().partition(": ")
                    actions[key.strip('"')] = title.strip('"')
            elif line.startswith("\tactions: {"):
                actions = {}
            elif line.startswith("\t") and ": " in line:
                key, _, value = line[1:].partition(": ")
                current[key] = value.strip("'")
        return found

    def dunst_clear(self) -> None:
        """Start a fresh history: later `dunst_history` calls show only what arrives from now on."""
        rows = self.dunst_history()
        if rows:
            self.history_after_id = max(int(row.get("id") or 0) for row in rows)


def short_runtime_dir() -> Path:
    """A new, empty 0700 folder with a short path (the caller removes it).

    Sockets go into XDG_RUNTIME_DIR (dbus-daemon's, the tray's single-instance socket) and a Unix socket path
    has at most 107 bytes. Under pytest-xdist a tmp_path is longer (`.../popen-gw0/test_a_reminder_of_an_old_fail0/`)
    and dbus-daemon refused it ("Socket name too long"), so the runtime folder lives under /tmp instead.
    """
    return Path(tempfile.mkdtemp(prefix="jt-run-"))  # mkdtemp makes it 0700, as the XDG spec wants


def new_session(root: Path) -> DesktopSession:
    """An empty session under `root`: its own HOME and XDG_RUNTIME_DIR (a short path), nothing started yet."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    runtime = short_runtime_dir()
    (root / "runtime").symlink_to(runtime)  # where it is, beside the logs
    procs = ProcessGroup()
    procs.remove_after.append(runtime)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "QT_QPA_PLATFORM")
    }
    env.update(
        HOME=str(home),
        XDG_RUNTIME_DIR=str(runtime),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        NO_AT_BRIDGE="1",  # GTK's accessibility bus would start a process of its own
        GTK_A11Y="none",
    )
    return DesktopSession(root=root, env=env, procs=procs)
