"""Start at login on Linux: an XDG autostart entry under $XDG_CONFIG_HOME (a temp folder in every test)."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.system import autostart

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is the Linux way")

TRICKY = ["/opt/Job Tray/bin/python", "-m", "desktop_app", "--data-dir", '/tmp/a "b" $HOME `x` \\ 100%']


def parse_exec(value: str) -> list[str]:
    """An Exec value back to argv, per the Desktop Entry Specification (no field codes expected)."""
    text = value.replace("\\\\", "\\")  # the string-value escape first
    args: list[str] = []
    current: list[str] = []
    in_quotes = False
    started = False
    i = 0
    while i < len(text):
        c = text[i]
        if in_quotes:
            if c == "\\" and i + 1 < len(text) and text[i + 1] in '"`$\\':
                current.append(text[i + 1])
                i += 1
            elif c == '"':
                in_quotes = False
            else:
                current.append(c)
        elif c == '"':
            in_quotes = started = True
        elif c == " ":
            if started:
                args.append("".join(current))
                current, started = [], False
        else:
            assert c not in "\"'\\><~|&;$*?#()`", f"reserved {c!r} outside quotes in {value!r}"
            current.append(c)
            started = True
        i += 1
    assert not in_quotes, f"unbalanced quotes in {value!r}"
    if started:
        args.append("".join(current))
    return [arg.replace("%%", "%") for arg in args]


def read_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_enable_writes_a_valid_entry_under_xdg_config_home(tmp_path: Path) -> None:
    config_home = Path(os.environ["XDG_CONFIG_HOME"])  # the isolated one from tests/conftest.py
    assert not autostart.is_enabled()

    autostart.set_enabled(True, [sys.executable, "-m", "desktop_app"])

    path = config_home / "autostart" / "jobtray.desktop"
    assert autostart.desktop_entry_path() == path
    assert autostart.is_enabled()
    entry = read_entry(path)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "JobTray"
    assert entry["Terminal"] == "false"
    assert parse_exec(entry["Exec"]) == [sys.executable, "-m", "desktop_app"]
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert [p.name for p in path.parent.iterdir()] == ["jobtray.desktop"]  # no temp file left behind


def test_disable_removes_it_and_twice_is_fine() -> None:
    autostart.set_enabled(True, ["jobtray"])
    autostart.set_enabled(False, [])
    assert not autostart.desktop_entry_path().exists()
    assert not autostart.is_enabled()
    autostart.set_enabled(False, [])


def test_enable_again_replaces_the_command() -> None:
    autostart.set_enabled(True, ["/old/jobtray"])
    autostart.set_enabled(True, ["/new/jobtray"])
    assert parse_exec(read_entry(autostart.desktop_entry_path())["Exec"]) == ["/new/jobtray"]


def test_awkward_arguments_survive_the_exec_quoting() -> None:
    autostart.set_enabled(True, TRICKY)
    assert parse_exec(read_entry(autostart.desktop_entry_path())["Exec"]) == TRICKY


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="needs the system Python")
def test_glib_reads_the_entry_the_same_way() -> None:
    """GLib's key-file and Exec parsing (what GNOME uses to start autostart entries) gives back our argv.

    (Gio.DesktopAppInfo itself refuses entries whose program does not exist, like the made-up path here.)
    """
    autostart.set_enabled(True, TRICKY)
    code = (
        "import json, sys\n"
        "from gi.repository import GLib\n"
        "keys = GLib.KeyFile()\n"
        "keys.load_from_file(sys.argv[1], GLib.KeyFileFlags.NONE)\n"
        "exec_line = keys.get_string('Desktop Entry', 'Exec')\n"
        "print(json.dumps(GLib.shell_parse_argv(exec_line.replace('%%', '%'))[1]))\n"
    )
    result = subprocess.run(
        ["/usr/bin/python3", "-c", code, str(autostart.desktop_entry_path())],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if result.returncode != 0 and "gi" in result.stderr and "No module named" in result.stderr:
        pytest.skip("python3-gi is not installed")
    assert result.returncode == 0, result.stderr
    import json

    assert json.loads(result.stdout) == TRICKY


def test_a_disabled_entry_counts_as_off() -> None:
    autostart.set_enabled(True, ["jobtray"])
    path = autostart.desktop_entry_path()
    path.write_text(path.read_text().replace("X-GNOME-Autostart-enabled=true", "X-GNOME-Autostart-enabled=false"))
    assert not autostart.is_enabled()
    path.write_text(path.read_text() + "Hidden=true\n")
    assert not autostart.is_enabled()


def test_a_relative_xdg_config_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    assert autostart.desktop_entry_path() == Path.home() / ".config" / "autostart" / "jobtray.desktop"


@pytest.mark.parametrize("command", [[], [""], ["jobtray", "a\nb"]])
def test_unusable_commands_are_refused(command: list[str]) -> None:
    with pytest.raises(ValueError, match="command line"):
        autostart.set_enabled(True, command)
    assert not autostart.desktop_entry_path().exists()


def test_launch_agent_plist_is_what_launchd_expects() -> None:
    import plistlib

    data = plistlib.loads(autostart.launch_agent(["/Applications/JobTray.app/Contents/MacOS/JobTray"]))
    assert data == {
        "Label": "com.jobtray.JobTray",
        "ProgramArguments": ["/Applications/JobTray.app/Contents/MacOS/JobTray"],
        "RunAtLoad": True,
        "ProcessType": "Interactive",
    }
