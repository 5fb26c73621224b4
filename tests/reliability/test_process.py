"""The process: uncaught exceptions logged once with the traceback and no secret, the user told once, Qt messages
in the log, the rotating log file in the platform's log folder, and --debug."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.app.crash import install_excepthook, qt_message_handler, user_message
from desktop_app.cli import commands as cli
from desktop_app.system.logs import RedactingFilter, log_dir, register_secret, setup_logging
from tests.conftest import subprocess_env

SECRET = "crash-secret-value-0f9e77"

CRASHING_APP = rf"""
import sys, threading
from desktop_app.system.logs import register_secret, setup_logging
from desktop_app.app.crash import install_excepthook

path = setup_logging(to_file=True)
print("LOG", path, flush=True)
register_secret("{SECRET}")
install_excepthook(lambda text: print("NOTIFY", text, flush=True))
for n in range(3):
    worker = threading.Thread(target=lambda: 1 / 0, name=f"worker-{{n}}")
    worker.start()
    worker.join()
raise RuntimeError("polling broke with key={SECRET}")
"""


def test_an_uncaught_exception_is_logged_redacted_and_told_once() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CRASHING_APP], capture_output=True, text=True, env=subprocess_env(), timeout=60
    )
    assert result.returncode != 0
    notices = [line for line in result.stdout.splitlines() if line.startswith("NOTIFY")]
    assert len(notices) == 1, result.stdout  # four failures, one notification
    assert "ZeroDivisionError" in notices[0] and SECRET not in result.stdout
    log_path = Path(next(line for line in result.stdout.splitlines() if line.startswith("LOG")).split(" ", 1)[1])
    text = log_path.read_text(encoding="utf-8")
    assert SECRET not in text and SECRET not in result.stderr
    assert text.count("CRITICAL") == 4 and text.count("Traceback (most recent call last)") == 4
    assert "RuntimeError: polling broke with key=***" in text
    assert "worker-0" in text  # the thread's name is in the record
    assert "Traceback" in result.stderr and "key=***" in result.stderr  # the CRITICAL line reaches stderr too


def test_the_cli_turns_a_bug_into_one_redacted_record_and_exit_1(data_dir: Path) -> None:
    code = (
        "import sys\n"
        "import desktop_app.cli.commands as c\n"
        "from desktop_app.system.logs import register_secret\n"
        "def boom(args, io):\n"
        f"    register_secret('{SECRET}')\n"
        f"    raise KeyError('{SECRET}')\n"
        "c.cmd_list = boom\n"
        "sys.argv = ['jobtray', 'list']\n"
        "sys.exit(c.main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(), timeout=60
    )
    assert result.returncode == 1
    assert SECRET not in result.stderr and "KeyError: '***'" in result.stderr
    assert result.stderr.count("Traceback (most recent call last)") == 1


@pytest.fixture
def hook_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


def test_the_hook_logs_each_failure_but_notifies_once(hook_log: pytest.LogCaptureFixture) -> None:
    told: list[str] = []
    hook = install_excepthook(told.append)
    try:
        for message in ("first", "second"):
            try:
                raise ValueError(message)
            except ValueError as exc:
                hook.handle(type(exc), exc, exc.__traceback__)
    finally:
        hook.uninstall()
    assert len(told) == 1 and "ValueError: first" in told[0]
    assert [r.levelname for r in hook_log.records if r.name == "desktop_app.app.crash"] == ["CRITICAL", "CRITICAL"]
    assert sys.excepthook is not hook.handle and threading.excepthook is not hook.handle_thread


def test_a_failing_notifier_does_not_break_the_hook(hook_log: pytest.LogCaptureFixture) -> None:
    def broken(text: str) -> None:
        raise OSError("no notification daemon")

    hook = install_excepthook(broken)
    try:
        hook.handle(RuntimeError, RuntimeError("x"), None)
    finally:
        hook.uninstall()
    assert any("could not tell the user" in r.getMessage() for r in hook_log.records)


def test_user_message_is_one_short_redacted_line() -> None:
    register_secret(SECRET)
    text = user_message(ValueError, ValueError(f"bad\n\nkey {SECRET} " + "x" * 500))
    assert SECRET not in text and "\n" not in text and len(text) < 300


def test_qt_messages_go_to_the_log(hook_log: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("PySide6.QtCore")
    from PySide6.QtCore import QMessageLogContext, QtMsgType

    for mode, level in [
        (QtMsgType.QtDebugMsg, logging.DEBUG),
        (QtMsgType.QtInfoMsg, logging.INFO),
        (QtMsgType.QtWarningMsg, logging.WARNING),
        (QtMsgType.QtCriticalMsg, logging.ERROR),
    ]:
        qt_message_handler(mode, QMessageLogContext(), f"message at {level}")
    got = [(r.name, r.levelno, r.getMessage()) for r in hook_log.records if r.name.startswith("qt")]
    assert got == [("qt", lvl, f"message at {lvl}") for lvl in (10, 20, 30, 40)]


def test_qt_handler_installed_in_a_process_catches_qt_warnings() -> None:
    pytest.importorskip("PySide6.QtCore")
    code = (
        "import logging, sys\n"
        "logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format='%(name)s %(levelname)s %(message)s')\n"
        "from desktop_app.app.crash import install_qt_message_handler\n"
        "install_qt_message_handler()\n"
        "from PySide6.QtCore import QObject\n"
        "QObject().setProperty('x', 1)\n"
        "from PySide6.QtCore import QTimer\n"
        "QTimer.singleShot(-5, lambda: None)\n"
        "import PySide6.QtCore as qc\n"
        "qc.qWarning('routed through our handler')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "qt WARNING routed through our handler" in result.stdout, (result.stdout, result.stderr)


def test_the_cli_stays_qt_free_with_the_crash_module() -> None:
    code = (
        "import sys, desktop_app.app.crash, desktop_app.cli.commands\n"
        "print(sorted(m for m in sys.modules if 'PySide6' in m))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]"


# ---- logging: the file, its rotation, --debug ------------------------------------------------------------------


@pytest.fixture
def clean_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


def test_the_log_file_lives_in_the_platform_log_folder_and_rotates(clean_root: None) -> None:
    path = setup_logging(to_file=True)
    assert path is not None and path.parent == log_dir()
    assert str(path).startswith(str(Path.home() / ".local" / "state"))  # XDG_STATE_HOME from the fixture
    logger = logging.getLogger("desktop_app.rotation-test")
    line = "x" * 1000
    for _ in range(5000):  # ~5 MB through a 1 MB x 3 backups rotating file
        logger.info(line)
    files = sorted(path.parent.glob("jobtray.log*"))
    assert [f.name for f in files] == ["jobtray.log", "jobtray.log.1", "jobtray.log.2", "jobtray.log.3"]
    assert all(f.stat().st_size <= 1_100_000 for f in files)


def test_an_unwritable_log_folder_is_not_fatal(
    clean_root: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "state-is-a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    assert setup_logging(to_file=True) is None
    logging.getLogger("x").warning("still fine")


def test_debug_turns_on_verbose_logging(clean_root: None, data_dir: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    cli.main(["list"], out=out, err=err)
    root = logging.getLogger()
    assert root.level == logging.INFO
    stderr_handler = next(h for h in root.handlers if getattr(h, "_jobtray", False))
    assert stderr_handler.level == logging.WARNING
    cli.main(["--debug", "list"], out=out, err=err)
    assert root.level == logging.DEBUG
    handlers = [h for h in root.handlers if getattr(h, "_jobtray", False)]
    assert len(handlers) == 1 and handlers[0].level == logging.DEBUG  # reconfigured, not stacked
    assert any(isinstance(f, RedactingFilter) for f in handlers[0].filters)


def test_a_bad_log_call_does_not_raise_into_the_caller(tmp_path: Path) -> None:
    handler = logging.FileHandler(tmp_path / "bad.log", encoding="utf-8")
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("jobtray.test.badcall")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning("%d jobs", "not a number")  # would raise TypeError out of the filter before the fix
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert "log arguments did not match" in (tmp_path / "bad.log").read_text(encoding="utf-8")
