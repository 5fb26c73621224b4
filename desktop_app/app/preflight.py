"""Before Qt starts: can the tray app open a window at all? Qt's own answer to a missing display or missing system
libraries is an abort (exit 134) after a few cryptic lines; these checks give one line that says what to do.

Qt-free on purpose: they run before PySide6 is imported (importing it can fail too, for a missing library).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import socket
import sys
from collections.abc import Mapping

# What works without a screen (a virtual display would show the tray to nobody).
HEADLESS_HINT = (
    "start it from a desktop session (or over `ssh -X` from one); here the command line does the same work: "
    "`jobtray watch` follows your jobs to their end, `jobtray poll` checks them once, and `jobtray simulate` "
    "prints commands to try both on local simulators"
)
# Libraries Qt's xcb platform plugin loads, and the Debian/Ubuntu package of each.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
}
_NO_WINDOW_PLATFORMS = ("offscreen", "minimal", "vnc")
_DISPLAY = re.compile(r"^(?P<host>[^:]*):(?P<number>\d+)(?:\.\d+)?$")


class StartupProblem(Exception):
    """The tray app cannot start here; the message is one line for the user."""


def platform_name(environ: Mapping[str, str]) -> str:
    return environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()


def check_display(environ: Mapping[str, str] | None = None, platform: str = sys.platform) -> None:
    """StartupProblem when no display can be opened (Linux and other X11/Wayland systems only)."""
    env = os.environ if environ is None else environ
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return  # macOS and Windows always have their own window system
    chosen = platform_name(env)
    if chosen in _NO_WINDOW_PLATFORMS:
        return
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if chosen in ("", "xcb") and not display and not (chosen == "" and wayland):
        raise StartupProblem(f"no display to show the tray on (DISPLAY is not set): {HEADLESS_HINT}")
    if chosen.startswith("wayland") and not wayland:
        raise StartupProblem(f"QT_QPA_PLATFORM asks for Wayland, but WAYLAND_DISPLAY is not set: {HEADLESS_HINT}")
    if display and chosen in ("", "xcb") and not (chosen == "" and wayland) and not x_server_answers(display):
        raise StartupProblem(f"cannot connect to the X display {display!r}: {HEADLESS_HINT}")


def x_server_answers(display: str, timeout: float = 1.0) -> bool:
    """Whether an X server listens for `display` (":0", "host:1.0"); unknown forms are given the benefit of
    the doubt (Qt will say more)."""
    match = _DISPLAY.match(display)
    if match is None:
        return True
    host, number = match.group("host"), int(match.group("number"))
    try:
        if host in ("", "unix"):
            path = f"/tmp/.X11-unix/X{number}"  # noqa: S108 - where X servers put their socket
            # Linux X servers listen on an abstract socket of the same name too; either will do.
            for address in (path, "\0" + path) if sys.platform.startswith("linux") else (path,):
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(timeout)
                    try:
                        sock.connect(address)
                    except OSError:
                        continue
                    return True
            return False
        with socket.create_connection((host, 6000 + number), timeout=timeout):
            return True
    except OSError:
        return False


def missing_libraries(environ: Mapping[str, str] | None = None, platform: str = sys.platform) -> list[str]:
    """The Debian packages of the xcb plugin's libraries that cannot be loaded (Linux with xcb only)."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux") or platform_name(env) not in ("", "xcb") or getattr(sys, "frozen", False):
        return []  # a frozen bundle carries its own copies
    if platform_name(env) == "" and env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY"):
        return []
    missing = []
    for library, package in XCB_LIBRARIES.items():
        try:
            ctypes.CDLL(library)
        except OSError:
            missing.append(package)
    return missing


def check_libraries(environ: Mapping[str, str] | None = None, platform: str = sys.platform) -> None:
    missing = missing_libraries(environ, platform)
    if missing:
        raise StartupProblem(
            "Qt cannot open a window: system libraries are missing; install them with "
            f"`sudo apt install {' '.join(missing)}` (Debian/Ubuntu package names)"
        )


def explain_import_error(exc: ImportError) -> str:
    """One line for a PySide6 import that failed on a missing shared library."""
    text = str(exc)
    match = re.search(r"(lib[\w.+-]+\.so[\w.]*)", text)
    if match:
        library = match.group(1)
        package = XCB_LIBRARIES.get(library)
        hint = f"`sudo apt install {package}`" if package else "the package that provides it"
        return f"Qt cannot start: the system library {library} is missing; install {hint}"
    return f"Qt cannot start: {text.splitlines()[0] if text else type(exc).__name__}"


def check_all(environ: Mapping[str, str] | None = None) -> None:
    """Every check before the tray app imports Qt; StartupProblem (one line) for the first that fails."""
    check_display(environ)
    check_libraries(environ)
