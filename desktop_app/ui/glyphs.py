"""The few characters our icons show (the tray's open count, "99+", "!", "?", the
cancelled cross), drawn as strokes.

Drawing them with a font made the first icon load Qt's font database (fontconfig's configuration and caches,
freetype, the font file): ~3-4 MB that a tray whose menu and window stay closed kept for nothing, and ~5 ms
before its icon (issue 19; a bare tray draws no text). Strokes with round caps read as well at tray sizes
(16-64 px) and look the same on every desktop, whatever fonts it has.

Coordinates are in units of the glyph's height: a character is `WIDTH` wide and 1 high, y going down.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QTransform

WIDTH = 0.6
GAP = 0.22  # between two characters
STROKE = 0.19  # the pen's width
DOT = 0.001  # a round-capped stroke this short draws a dot


def _zero(p: QPainterPath) -> None:
    p.addEllipse(QRectF(0, 0, WIDTH, 1))


def _one(p: QPainterPath) -> None:
    p.moveTo(WIDTH * 0.15, 0.22)
    p.lineTo(WIDTH * 0.6, 0)
    p.lineTo(WIDTH * 0.6, 1)


def _two(p: QPainterPath) -> None:
    bowl = QRectF(0, 0, WIDTH, 0.56)
    p.arcMoveTo(bowl, 160)
    p.arcTo(bowl, 160, -195)
    p.lineTo(0, 1)
    p.lineTo(WIDTH, 1)


def _three(p: QPainterPath) -> None:
    top, bottom = QRectF(WIDTH * 0.04, 0, WIDTH * 0.92, 0.48), QRectF(0, 0.48, WIDTH, 0.52)
    p.arcMoveTo(top, 150)
    p.arcTo(top, 150, -240)
    p.arcTo(bottom, 90, -238)


def _four(p: QPainterPath) -> None:
    p.moveTo(WIDTH * 0.75, 1)
    p.lineTo(WIDTH * 0.75, 0)
    p.lineTo(0, 0.68)
    p.lineTo(WIDTH, 0.68)


def _five(p: QPainterPath) -> None:
    p.moveTo(WIDTH * 0.95, 0)
    p.lineTo(WIDTH * 0.12, 0)
    p.lineTo(WIDTH * 0.05, 0.45)
    bowl = QRectF(0, 0.36, WIDTH, 0.64)
    p.arcTo(bowl, 140, -285)


def _six(p: QPainterPath) -> None:
    p.addEllipse(QRectF(0, 0.4, WIDTH, 0.6))
    p.moveTo(WIDTH * 0.85, 0.02)
    p.quadTo(0, 0.12, 0, 0.7)


def _seven(p: QPainterPath) -> None:
    p.moveTo(0, 0)
    p.lineTo(WIDTH, 0)
    p.lineTo(WIDTH * 0.3, 1)


def _eight(p: QPainterPath) -> None:
    p.addEllipse(QRectF(WIDTH * 0.07, 0, WIDTH * 0.86, 0.46))
    p.addEllipse(QRectF(0, 0.46, WIDTH, 0.54))


def _nine(p: QPainterPath) -> None:
    p.addEllipse(QRectF(0, 0, WIDTH, 0.6))
    p.moveTo(WIDTH * 0.15, 0.98)
    p.quadTo(WIDTH, 0.88, WIDTH, 0.3)


def _plus(p: QPainterPath) -> None:
    p.moveTo(WIDTH / 2, 0.2)
    p.lineTo(WIDTH / 2, 0.8)
    p.moveTo(0, 0.5)
    p.lineTo(WIDTH, 0.5)


def _bang(p: QPainterPath) -> None:
    p.moveTo(WIDTH / 2, 0)
    p.lineTo(WIDTH / 2, 0.6)
    p.moveTo(WIDTH / 2, 0.95)
    p.lineTo(WIDTH / 2, 0.95 + DOT)


def _question(p: QPainterPath) -> None:
    bowl = QRectF(0, 0, WIDTH, 0.52)
    p.arcMoveTo(bowl, 160)
    p.arcTo(bowl, 160, -250)
    p.lineTo(WIDTH / 2, 0.68)
    p.moveTo(WIDTH / 2, 0.95)
    p.lineTo(WIDTH / 2, 0.95 + DOT)


def _times(p: QPainterPath) -> None:
    p.moveTo(0, 0.2)
    p.lineTo(WIDTH, 0.8)
    p.moveTo(WIDTH, 0.2)
    p.lineTo(0, 0.8)


STROKES: dict[str, Callable[[QPainterPath], None]] = {
    "0": _zero,
    "1": _one,
    "2": _two,
    "3": _three,
    "4": _four,
    "5": _five,
    "6": _six,
    "7": _seven,
    "8": _eight,
    "9": _nine,
    "+": _plus,
    "!": _bang,
    "?": _question,
    "\u00d7": _times,
}


def text_path(text: str) -> QPainterPath:
    """`text` laid out in glyph units (1 high); characters without strokes are left out."""
    path = QPainterPath()
    x = 0.0
    for char in text:
        draw = STROKES.get(char)
        if draw is None:
            continue
        glyph = QPainterPath()
        draw(glyph)
        path.addPath(QTransform.fromTranslate(x, 0).map(glyph))
        x += WIDTH + GAP
    return path


def text_width(text: str) -> float:
    n = sum(1 for char in text if char in STROKES)
    return n * WIDTH + max(0, n - 1) * GAP


def draw_text(painter: QPainter, rect: QRectF, text: str, height: float, color: QColor) -> None:
    """Stroke `text`, `height` pixels high, centred in `rect`."""
    width = text_width(text) * height
    origin = QPointF(rect.center().x() - width / 2, rect.center().y() - height / 2)
    transform = QTransform.fromTranslate(origin.x(), origin.y()).scale(height, height)
    pen = QPen(color, STROKE * height, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.save()
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(transform.map(text_path(text)))
    painter.restore()
