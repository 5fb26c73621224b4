"""`jobtray --install-desktop-entry`: put our .desktop entry, icons and metainfo in the user's XDG folders, so the
app shows in menus and notification servers find its icon by name."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from desktop_app.core.errors import ConfigError
from desktop_app.system.resources import desktop_entry_path, icon_path, resources_dir

ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def frozen_executable() -> str:
    """The bundle's executable as the user's PATH names it: `/usr/bin/jobtray` after a .deb install (a link to
    `/usr/lib/jobtray/jobtray`), so menus and autostart keep working if the package moves its files."""
    found = shutil.which("jobtray")
    if found and os.path.realpath(found) == os.path.realpath(sys.executable):
        return found
    return sys.executable


def launch_command() -> list[str]:
    """How to start this very copy of JobTray: the frozen executable, the console script, or `python -m`."""
    if getattr(sys, "frozen", False):
        return [frozen_executable()]
    script = Path(sys.executable).with_name("jobtray")
    if script.is_file():
        return [str(script)]
    found = shutil.which("jobtray")
    return [found] if found else [sys.executable, "-m", "desktop_app"]


def _exec_quote(arg: str) -> str:
    # Desktop Entry spec: quote arguments with reserved characters; escape " ` $ \ inside quotes.
    if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def install(command: list[str] | None = None, target: Path | None = None) -> list[Path]:
    """Install the entry, icons and metainfo under `target` (default $XDG_DATA_HOME); returns the files written."""
    if sys.platform != "linux":
        raise ConfigError("--install-desktop-entry is for Linux desktops; see packaging/README.md for macOS/Windows")
    root = target or data_home()
    exec_line = " ".join(_exec_quote(a) for a in (command or launch_command()))
    written: list[Path] = []
    entry = root / "applications" / "jobtray.desktop"
    entry.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for line in desktop_entry_path().read_text(encoding="utf-8").splitlines():
        # `%u`: a jobtray:// link opened by a browser or xdg-open arrives as the one argument (none from a menu).
        lines.append(f"Exec={exec_line} %u" if line.startswith("Exec=") else line)
    entry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written.append(entry)
    for size in ICON_SIZES:
        dest = root / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "jobtray.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(icon_path(size), dest)
        written.append(dest)
    scalable = root / "icons" / "hicolor" / "scalable" / "apps" / "jobtray.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(icon_path(), scalable)
    written.append(scalable)
    metainfo = root / "metainfo" / "io.github.jobtray.JobTray.metainfo.xml"
    metainfo.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(resources_dir() / metainfo.name, metainfo)
    written.append(metainfo)
    register_url_handler(entry.name)
    return written


SCHEME_MIME = "x-scheme-handler/jobtray"


def config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def register_url_handler(desktop_file: str = "jobtray.desktop") -> Path:
    """Make our entry the default handler of jobtray:// links: the `[Default Applications]` line of the user's
    mimeapps.list (what `xdg-mime default` writes; written here so no xdg-utils are needed). Other lines are kept."""
    path = config_home() / "mimeapps.list"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    lines = [line for line in lines if not line.startswith(f"{SCHEME_MIME}=")]
    entry = f"{SCHEME_MIME}={desktop_file}"
    if "[Default Applications]" in lines:
        lines.insert(lines.index("[Default Applications]") + 1, entry)
    else:
        lines += ["[Default Applications]", entry]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
