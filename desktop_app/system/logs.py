"""Logging: a rotating file in the platform's log folder for the tray app, stderr for the CLI, and a filter
that blanks every registered secret before a record is written anywhere."""

from __future__ import annotations

import logging
import logging.handlers
import threading
from pathlib import Path

import platformdirs

_secrets_lock = threading.Lock()
_secrets: set[str] = set()
MIN_SECRET_LENGTH = 4  # shorter values would blank ordinary words


def register_secret(value: str) -> None:
    """Make sure `value` never appears in a log line from now on."""
    if len(value) >= MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _secrets_lock:
        values = sorted(_secrets, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, "***")
    return text


class RedactingFilter(logging.Filter):
    """Renders the message once, blanks secrets in it, and drops the args so nothing re-renders them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in a log call must not become an exception in the caller
            message = f"{record.msg!r} (log arguments did not match: {record.args!r})"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir("JobTray", appauthor=False))


def setup_logging(debug: bool = False, to_file: bool = False) -> Path | None:
    """Configure the root logger once; returns the log file when one is used."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_jobtray", False):
            root.removeHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    redacting = RedactingFilter()
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.DEBUG if debug else logging.WARNING)
    stderr.setFormatter(logging.Formatter("jobtray: %(levelname)s %(name)s: %(message)s"))
    stderr.addFilter(redacting)
    stderr._jobtray = True  # type: ignore[attr-defined]
    root.addHandler(stderr)
    if not to_file:
        return None
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "jobtray.log"
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None  # a read-only home is no reason not to run
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.addFilter(redacting)
    handler._jobtray = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    # urllib3 at DEBUG logs request lines; never headers, but keep it quiet unless asked.
    logging.getLogger("urllib3").setLevel(logging.DEBUG if debug else logging.WARNING)
    return path
