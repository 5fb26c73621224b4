"""Render resources/icons/jobtray.svg into the PNG, .ico and .icns files the desktops and installers want.

Run after editing the SVG: `QT_QPA_PLATFORM=offscreen python packaging/make_icons.py`. The outputs are committed,
so neither a build nor a user needs this script. ICO and ICNS both may hold PNG data as-is (Windows Vista+, macOS
10.7+), so we write their small headers by hand instead of adding an imaging library.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 256)
ICNS_TYPES = {b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256, b"ic09": 512}


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICO directory
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


def icns(pngs: dict[bytes, bytes]) -> bytes:
    body = b"".join(kind + struct.pack(">I", 8 + len(png)) + png for kind, png in pngs.items())
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    QGuiApplication(sys.argv)
    renderer = QSvgRenderer(str(ICONS / "jobtray.svg"))
    if not renderer.isValid():
        print("cannot read jobtray.svg", file=sys.stderr)
        return 1
    rendered = {size: render_png(renderer, size) for size in PNG_SIZES}
    for size, png in rendered.items():
        (ICONS / f"jobtray-{size}.png").write_bytes(png)
    (ICONS / "jobtray.ico").write_bytes(ico({s: rendered[s] for s in ICO_SIZES}))
    (ICONS / "jobtray.icns").write_bytes(icns({kind: rendered[size] for kind, size in ICNS_TYPES.items()}))
    print(f"wrote {len(rendered)} PNGs, jobtray.ico and jobtray.icns to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
