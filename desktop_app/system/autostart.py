"""Start JobTray at login, the way each system expects; no extra dependencies.

- Linux and other freedesktop systems: an XDG autostart entry, `$XDG_CONFIG_HOME/autostart/jobtray.desktop`
  (default `~/.config/autostart`), read by GNOME, KDE, Xfce, LXQt and most session managers at login.
- macOS: a LaunchAgent, `~/Library/LaunchAgents/com.jobtray.JobTray.plist` (written with plistlib) with
  `RunAtLoad`; launchd loads the folder at the next login (`launchctl bootstrap gui/$UID <plist>` would start it
  now, which we do not need). A signed app bundle could use `SMAppService.mainApp` instead (macOS 13+), which
  shows the app by name in System Settings > Login Items; that needs PyObjC, so it is left for the bundle.
- Windows: a value `JobTray` under `HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run` (winreg). The
  other way, a shortcut in the Startup folder (`shell:startup`), needs COM (pywin32) to write a `.lnk`.

`command` is the argv to start the app, e.g. `[sys.executable, "-m", "desktop_app"]` from a venv, or
`[sys.executable]` in a PyInstaller bundle. Only Linux is covered by tests.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

APP_NAME = "JobTray"
DESKTOP_FILE = "jobtray.desktop"
LAUNCH_AGENT_LABEL = "com.jobtray.JobTray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "JobTray"

# Characters that force quoting in a desktop entry's Exec (Desktop Entry Specification, "The Exec key").
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_EXEC_ESCAPED_IN_QUOTES = '"`$\\'


def _platform() -> str:
    if sys.platform == "darwin":
        return "macos"
    if sys.platform == "win32":
        return "windows"
    return "xdg"


def is_enabled() -> bool:
    """Whether JobTray starts at login (our own entry exists and is not disabled)."""
    kind = _platform()
    if kind == "macos":
        return launch_agent_path().is_file()
    if kind == "windows":
        return _windows_run_value() is not None
    path = desktop_entry_path()
    if not path.is_file():
        return False
    entry = _read_desktop_entry(path)
    # The user may have switched it off in their session settings, which edit these keys instead of deleting.
    return entry.get("Hidden", "false") != "true" and entry.get("X-GNOME-Autostart-enabled", "true") != "false"


def set_enabled(enabled: bool, command: list[str]) -> None:
    """Start `command` at login, or stop doing so. OSError if the entry cannot be written or removed."""
    if enabled and (not command or any(not arg or "\n" in arg or "\r" in arg or "\0" in arg for arg in command)):
        raise ValueError(f"not a usable command line: {command!r}")
    kind = _platform()
    if kind == "macos":
        _set_launch_agent(enabled, command)
    elif kind == "windows":
        _set_windows_run(enabled, command)
    elif enabled:
        _atomic_write(desktop_entry_path(), desktop_entry(command).encode())
    else:
        desktop_entry_path().unlink(missing_ok=True)


# ---- XDG ---------------------------------------------------------------------------------------------------


def desktop_entry_path() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME")
    # The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    base = Path(config) if config and os.path.isabs(config) else Path.home() / ".config"
    return base / "autostart" / DESKTOP_FILE


def exec_value(command: Sequence[str]) -> str:
    """`command` as a desktop entry Exec value: quoted per argument, then escaped as a string value."""
    parts = []
    for raw in command:
        arg = raw.replace("%", "%%")  # a lone % would be a field code (%f, %u...)
        if arg and not any(c in _EXEC_RESERVED for c in arg):
            parts.append(arg)
        else:
            quoted = "".join("\\" + c if c in _EXEC_ESCAPED_IN_QUOTES else c for c in arg)
            parts.append(f'"{quoted}"')
    # The value is itself a "string", whose own escape for a backslash is a second backslash.
    return " ".join(parts).replace("\\", "\\\\")


def desktop_entry(command: Sequence[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "Comment=Watch long-running cloud jobs and hear the moment they finish or fail\n"
        f"Exec={exec_value(command)}\n"
        "Icon=jobtray\n"
        "Terminal=false\n"
        "Categories=Utility;\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def _read_desktop_entry(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    group = None
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1]
        elif group == "Desktop Entry" and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _atomic_write(path: Path, data: bytes) -> None:
    # A half-written entry at login would be worse than none: write beside it, then rename over.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---- macOS -------------------------------------------------------------------------------------------------


def launch_agent_path() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"


def launch_agent(command: Sequence[str]) -> bytes:
    import plistlib  # macOS only: the tray asks for autostart's state before its icon shows (3 ms of import)

    return plistlib.dumps(
        {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": list(command),
            "RunAtLoad": True,
            "ProcessType": "Interactive",  # a GUI app: no background throttling
        }
    )


def _set_launch_agent(enabled: bool, command: Sequence[str]) -> None:
    if enabled:
        _atomic_write(launch_agent_path(), launch_agent(command))
    else:
        launch_agent_path().unlink(missing_ok=True)


# ---- Windows -----------------------------------------------------------------------------------------------


if sys.platform == "win32":  # mypy checks this branch against Windows' winreg only when asked to
    import winreg

    def _windows_run_value() -> str | None:
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _ = winreg.QueryValueEx(key, RUN_VALUE)
        except FileNotFoundError:
            return None
        return str(value)

    def _set_windows_run(enabled: bool, command: Sequence[str]) -> None:
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            if enabled:
                # The Run key holds one command line; list2cmdline quotes it the way Windows programs parse it.
                winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, subprocess.list2cmdline(list(command)))
            else:
                with contextlib.suppress(FileNotFoundError):
                    winreg.DeleteValue(key, RUN_VALUE)

else:

    def _windows_run_value() -> str | None:
        raise OSError("the Windows registry exists only on Windows")

    def _set_windows_run(enabled: bool, command: Sequence[str]) -> None:
        raise OSError("the Windows registry exists only on Windows")
