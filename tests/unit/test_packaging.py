"""What packaging/ ships agrees with itself and with the package: versions, names, icons, the desktop entry.

Building the bundle and the .deb is CI's job (.ci/run); these checks are the cheap ones that catch a version bump or
a renamed file before a build does.
"""

from __future__ import annotations

import configparser
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from desktop_app import __version__
from desktop_app.system.desktop_entry import ICON_SIZES

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
PACKAGING = ROOT / "packaging"
METAINFO = RESOURCES / "io.github.jobtray.JobTray.metainfo.xml"
DESKTOP = RESOURCES / "jobtray.desktop"


def _metainfo() -> ET.Element:
    return ET.parse(METAINFO).getroot()  # noqa: S314 - our own file, not untrusted input


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_metainfo_announces_this_version() -> None:
    releases = [r.get("version") for r in _metainfo().iter("release")]
    assert __version__ in releases, f'add <release version="{__version__}"> to {METAINFO.name}'


def test_metainfo_names_the_desktop_entry_and_the_command_the_deb_installs() -> None:
    root = _metainfo()
    assert root.findtext("id") == "io.github.jobtray.JobTray"
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == "jobtray"  # /usr/bin/jobtray in the .deb


def test_the_bundle_ids_match_the_metainfo_id() -> None:
    spec = (PACKAGING / "jobtray.spec").read_text(encoding="utf-8")
    assert 'APP_ID = "io.github.jobtray.JobTray"' in spec


def test_desktop_entry_runs_the_installed_command() -> None:
    entry = _desktop_entry()
    assert entry["Exec"].split()[0] == "jobtray"
    assert entry["Icon"] == "jobtray"
    if "MimeType" in entry:  # a URL handler must be given the URL
        assert re.search(r"%[uU]\b", entry["Exec"]), "MimeType without %u in Exec"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_deb_ships_every_icon_size_the_desktop_entry_installs() -> None:
    line = re.search(r"^ICON_SIZES=\(([\d ]+)\)$", (PACKAGING / "make_deb.sh").read_text(), re.MULTILINE)
    assert line, "make_deb.sh lost its ICON_SIZES line"
    assert tuple(int(n) for n in line.group(1).split()) == ICON_SIZES
    for size in ICON_SIZES:
        assert _png_size(RESOURCES / "icons" / f"jobtray-{size}.png") == (size, size)


def test_windows_icon_holds_the_sizes_explorer_asks_for() -> None:
    data = (RESOURCES / "icons" / "jobtray.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = {data[6 + 16 * i] or 256 for i in range(count)}  # 0 stands for 256
    assert {16, 32, 48, 256} <= sizes


@pytest.mark.parametrize("script", ["build.sh", "make_deb.sh", "smoke_desktop.sh"])
def test_packaging_scripts_parse(script: str) -> None:
    result = subprocess.run(["bash", "-n", str(PACKAGING / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed")
def test_desktop_entry_validates() -> None:
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream is not installed")
def test_metainfo_validates() -> None:
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
