"""Issue 14: where Qt cannot open a window, `jobtray` says so in one line and exits 2 (it used to die inside Qt:
"could not connect to display", "no Qt platform plugin could be initialized", exit 134)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from desktop_app.app import preflight
from tests.conftest import subprocess_env


def _start(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args], env=env, capture_output=True, text=True, timeout=60
    )


def _env_without_display(**extra: str) -> dict[str, str]:
    env = subprocess_env(**extra)
    for key in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        if key not in extra:
            env.pop(key, None)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland displays")
def test_no_display_is_one_line_and_exit_2() -> None:
    result = _start(_env_without_display(), "demo")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("jobtray: error: no display") and "jobtray watch" in result.stderr
    assert "xvfb-run" not in result.stderr  # a virtual display shows the tray to nobody
    assert "jobtray simulate" in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 displays")
def test_an_x_display_nobody_serves_is_one_line_and_exit_2() -> None:
    result = _start(_env_without_display(DISPLAY=":97", QT_QPA_PLATFORM="xcb"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "cannot connect to the X display ':97'" in result.stderr


def test_the_checks_pass_where_a_window_can_open() -> None:
    preflight.check_display({"QT_QPA_PLATFORM": "offscreen"}, platform="linux")
    preflight.check_display({}, platform="darwin")
    preflight.check_display({"WAYLAND_DISPLAY": "wayland-0"}, platform="linux")


def test_a_missing_qt_library_names_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(preflight.XCB_LIBRARIES, "libjobtray-surely-missing.so.9", "libjobtray-missing9")
    missing = preflight.missing_libraries({"DISPLAY": ":0"}, platform="linux")
    assert missing == ["libjobtray-missing9"]  # the real ones are installed here (CI's apt list)
    with pytest.raises(preflight.StartupProblem, match="sudo apt install libjobtray-missing9"):
        preflight.check_libraries({"DISPLAY": ":0"}, platform="linux")


def test_a_failed_qt_import_is_explained() -> None:
    text = preflight.explain_import_error(ImportError("libEGL.so.1: cannot open shared object file"))
    assert text == "Qt cannot start: the system library libEGL.so.1 is missing; install `sudo apt install libegl1`"
