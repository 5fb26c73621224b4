"""Icons drawn at runtime with QPainter: one per job state, and the tray icon for the overall situation.

Drawing instead of shipping files keeps the tray's count and progress ring exact, and needs no resource lookup in
a PyInstaller bundle. Every icon is cached by what it shows, in caches with a bound: a tray that runs for weeks
meets many open counts and progress rings, and each tray icon holds six pixmaps (issue 19: an unbounded cache
keyed by the raw count grew by ~80 KiB per new combination).
"""

from __future__ import annotations

import atexit
import enum
import shutil
import tempfile
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from desktop_app.core.model import JobState
from desktop_app.ui.glyphs import draw_text

STATE_COLORS: dict[JobState, str] = {
    JobState.QUEUED: "#8a8f98",
    JobState.RUNNING: "#2f7de1",
    JobState.SUCCEEDED: "#2e9d57",
    JobState.PARTIAL: "#d89614",
    JobState.FAILED: "#d93a3a",
    JobState.CANCELLED: "#6b6f76",
    JobState.NOT_FOUND: "#a33ad9",
}


class TrayLook(enum.StrEnum):
    IDLE = "idle"  # nothing watched
    RUNNING = "running"
    FAILED = "failed"
    DONE = "done"
    PROBLEM = "problem"  # an account cannot be checked (issue 23): a warning, not the running count


@dataclass(frozen=True, slots=True)
class TrayIconKey:
    """Everything the tray icon shows; equal keys draw the same picture."""

    look: TrayLook
    count: int = 0  # open jobs, for RUNNING
    progress: int | None = None  # 0-100 in steps of 5, for the ring
    alert: bool = False  # a failure to show on top of RUNNING

    def drawn(self) -> TrayIconKey:
        """The key of what is drawn: 150 and 151 open jobs both show "99+"; only RUNNING shows a count or a ring."""
        if self.look != TrayLook.RUNNING:
            return TrayIconKey(self.look)
        return TrayIconKey(self.look, min(self.count, 100), self.progress, self.alert)


@dataclass(frozen=True, slots=True)
class OpenTally:
    """The open jobs as the icon and tooltip count them: running, or waiting (their account cannot be checked:
    waiting for the user, not running); the running ones' progress summed where they report one."""

    running: int = 0
    waiting: int = 0
    progress_sum: float = 0.0
    progress_count: int = 0


def tally_open(open_jobs: Iterable[tuple[str, float | None]], problems: Collection[str]) -> OpenTally:
    """`open_jobs`: (account, progress) of each open job. One rule for the tray (`ui.tray.summarize`) and the icon
    shown before it is built (`app.early_tray`)."""
    running = waiting = progress_count = 0
    progress_sum = 0.0
    for account, progress in open_jobs:
        if account in problems:
            waiting += 1
            continue
        running += 1
        if progress is not None:
            progress_sum += progress
            progress_count += 1
    return OpenTally(running, waiting, progress_sum, progress_count)


def tray_key(
    *, alarming: bool, problems: bool, open_count: int, progress_sum: float, progress_count: int, ended: bool
) -> TrayIconKey:
    """The tray icon's look (issue 21's precedence): an unacknowledged failure, then an account problem, then the
    running count with its ring (the open jobs' mean progress in steps of 5), then "ended", else idle. One rule for
    the tray (`ui.tray.summarize`) and the icon shown before it is built (`app.early_tray`)."""
    if alarming:
        return TrayIconKey(TrayLook.FAILED)
    if problems:
        return TrayIconKey(TrayLook.PROBLEM)
    if open_count:
        ring = None if not progress_count else int(round(progress_sum / progress_count / 5) * 5)
        return TrayIconKey(TrayLook.RUNNING, open_count, ring)
    return TrayIconKey(TrayLook.DONE) if ended else TrayIconKey(TrayLook.IDLE)


def _pixmap(size: int) -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


def _check_mark(painter: QPainter, rect: QRectF, width: float) -> None:
    path = QPainterPath(QPointF(rect.left() + rect.width() * 0.22, rect.top() + rect.height() * 0.52))
    path.lineTo(rect.left() + rect.width() * 0.42, rect.top() + rect.height() * 0.72)
    path.lineTo(rect.left() + rect.width() * 0.78, rect.top() + rect.height() * 0.30)
    painter.setPen(QPen(QColor("white"), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawPath(path)


def _glyph(painter: QPainter, rect: QRectF, text: str, size_ratio: float = 0.6) -> None:
    # Strokes, not a font: the first text drawn loads Qt's font database (~3-4 MB a quiet tray never needs).
    draw_text(painter, rect, text, rect.height() * size_ratio * GLYPH_HEIGHT, QColor("white"))


def _half(painter: QPainter, rect: QRectF) -> None:
    """Partial: the disc's left half filled white."""
    inner = rect.adjusted(rect.width() * 0.22, rect.height() * 0.22, -rect.width() * 0.22, -rect.height() * 0.22)
    painter.setPen(QPen(QColor("white"), max(1.0, rect.width() / 14)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(inner)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("white"))
    painter.drawPie(inner, 90 * 16, 180 * 16)


GLYPH_HEIGHT = 0.72  # a digit's height in a bold font of that pixel size (what the icons drew before)
WARNING_COLOR = "#e8a317"  # amber: something waits for the user, neither a failure (red) nor work (blue)


def _warning(painter: QPainter, rect: QRectF) -> None:
    """A warning triangle with "!" (the tray's look for an account that cannot be checked)."""
    triangle = QPainterPath(QPointF(rect.center().x(), rect.top()))
    triangle.lineTo(rect.right(), rect.bottom() - rect.height() * 0.06)
    triangle.lineTo(rect.left(), rect.bottom() - rect.height() * 0.06)
    triangle.closeSubpath()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(WARNING_COLOR))
    painter.drawPath(triangle)
    _glyph(painter, rect.adjusted(0, rect.height() * 0.18, 0, 0), "!", 0.6)


def _draw_state(painter: QPainter, rect: QRectF, state: JobState) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(STATE_COLORS[state]))
    painter.drawEllipse(rect)
    width = max(1.5, rect.width() / 8)
    if state == JobState.SUCCEEDED:
        _check_mark(painter, rect, width)
    elif state == JobState.FAILED:
        _glyph(painter, rect, "!")
    elif state == JobState.PARTIAL:
        _half(painter, rect)
    elif state == JobState.CANCELLED:
        _glyph(painter, rect, "\u00d7")  # multiplication sign
    elif state == JobState.NOT_FOUND:
        _glyph(painter, rect, "?")
    elif state == JobState.RUNNING:
        painter.setBrush(QColor("white"))
        inner = rect.adjusted(rect.width() * 0.3, rect.height() * 0.3, -rect.width() * 0.3, -rect.height() * 0.3)
        painter.drawPie(inner, 90 * 16, -270 * 16)
    else:  # queued: an hourglass-ish pair of dots
        painter.setBrush(QColor("white"))
        r = rect.width() / 10
        center = rect.center()
        painter.drawEllipse(QPointF(center.x() - 2.2 * r, center.y()), r, r)
        painter.drawEllipse(QPointF(center.x() + 2.2 * r, center.y()), r, r)


@lru_cache(maxsize=64)  # states x the few sizes asked for
def state_icon(state: JobState, size: int = 16) -> QIcon:
    """A small coloured disc with a glyph for a job state (menus, table)."""
    pixmap, painter = _pixmap(size)
    _draw_state(painter, QRectF(1, 1, size - 2, size - 2), state)
    painter.end()
    return QIcon(pixmap)


@lru_cache(maxsize=4)
def warning_icon(size: int = 16) -> QIcon:
    """The warning triangle of an account that cannot be checked (tray menu lines)."""
    pixmap, painter = _pixmap(size)
    _warning(painter, QRectF(1, 1, size - 2, size - 2))
    painter.end()
    return QIcon(pixmap)


def _tray_pixmap(key: TrayIconKey, size: int) -> QPixmap:
    pixmap, painter = _pixmap(size)
    rect = QRectF(size * 0.06, size * 0.06, size * 0.88, size * 0.88)
    ring = max(2.0, size / 9)
    if key.look == TrayLook.IDLE:
        painter.setPen(QPen(QColor("#8a8f98"), ring))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(rect.adjusted(ring / 2, ring / 2, -ring / 2, -ring / 2))
    elif key.look == TrayLook.DONE:
        _draw_state(painter, rect, JobState.SUCCEEDED)
    elif key.look == TrayLook.FAILED:
        _draw_state(painter, rect, JobState.FAILED)
    elif key.look == TrayLook.PROBLEM:
        _warning(painter, rect)
    else:
        inner = rect.adjusted(ring, ring, -ring, -ring)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(STATE_COLORS[JobState.RUNNING]))
        painter.drawEllipse(inner)
        track = rect.adjusted(ring / 2, ring / 2, -ring / 2, -ring / 2)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(47, 125, 225, 70), ring))
        painter.drawEllipse(track)
        if key.progress is not None:
            pen = QPen(QColor(STATE_COLORS[JobState.RUNNING]), ring, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            painter.drawArc(track, 90 * 16, -int(360 * 16 * key.progress / 100))
        _glyph(painter, inner, str(key.count) if key.count < 100 else "99+", 0.62 if key.count < 10 else 0.48)
        if key.alert:
            badge = QRectF(size * 0.62, 0, size * 0.38, size * 0.38)
            painter.setPen(QPen(QColor("white"), max(1.0, size / 32)))
            painter.setBrush(QColor(STATE_COLORS[JobState.FAILED]))
            painter.drawEllipse(badge)
    painter.end()
    return pixmap


TRAY_ICONS_KEPT = 8  # the icon shown and the few it flips between (a ring moving, a count going up and down)


def tray_icon(key: TrayIconKey) -> QIcon:
    """The tray icon for `key`, drawn at the sizes trays ask for."""
    return _tray_icon(key.drawn())


@lru_cache(maxsize=TRAY_ICONS_KEPT)
def _tray_icon(key: TrayIconKey) -> QIcon:
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        icon.addPixmap(_tray_pixmap(key, size))
    return icon


@lru_cache(maxsize=len(JobState))
def notification_icon(state: JobState) -> QIcon:
    """A job state's icon at notification sizes: a failure's looks like a failure, a success's like a success."""
    icon = QIcon()
    for size in (32, 48, 64, 128):
        pixmap, painter = _pixmap(size)
        _draw_state(painter, QRectF(1, 1, size - 2, size - 2), state)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


@lru_cache(maxsize=1)
def notification_icon_files() -> dict[JobState, str]:
    """PNG files of `notification_icon` for native notifications (they take a file), drawn once per process into
    a private temporary folder that is removed at exit. Empty when it cannot be written."""
    try:
        folder = Path(tempfile.mkdtemp(prefix="jobtray-icons-"))
    except OSError:
        return {}
    atexit.register(shutil.rmtree, folder, True)
    files: dict[JobState, str] = {}
    for state in JobState:
        path = folder / f"{state.value}.png"
        if notification_icon(state).pixmap(128, 128).save(str(path), "PNG"):
            files[state] = str(path)
    return files
