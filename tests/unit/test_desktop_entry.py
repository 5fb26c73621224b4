from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.system.desktop_entry import _exec_quote, install
from desktop_app.system.resources import icon_path, resources_dir


def test_resources_are_found_with_every_icon() -> None:
    assert (resources_dir() / "jobtray.desktop").is_file()
    assert icon_path().read_bytes().startswith(b"<?xml")
    for size in (16, 32, 48, 128, 256):
        assert icon_path(size).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (resources_dir() / "icons" / "jobtray.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert (resources_dir() / "icons" / "jobtray.icns").read_bytes()[:4] == b"icns"


def test_desktop_entry_has_the_required_keys() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(resources_dir() / "jobtray.desktop")
    entry = parser["Desktop Entry"]
    for key in ("Name", "Exec", "Icon", "Categories", "StartupWMClass", "Type"):
        assert entry[key], key
    assert entry["Icon"] == "jobtray"


def test_install_writes_entry_icons_and_metainfo_with_our_command(tmp_path: Path) -> None:
    written = install(["/opt/Job Tray/jobtray"], target=tmp_path)
    entry = (tmp_path / "applications" / "jobtray.desktop").read_text()
    assert 'Exec="/opt/Job Tray/jobtray"' in entry
    assert (tmp_path / "icons/hicolor/48x48/apps/jobtray.png").is_file()
    assert (tmp_path / "icons/hicolor/scalable/apps/jobtray.svg").is_file()
    assert (tmp_path / "metainfo/io.github.jobtray.JobTray.metainfo.xml").is_file()
    assert all(p.is_file() for p in written)


def test_exec_quoting_follows_the_spec() -> None:
    assert _exec_quote("/usr/bin/jobtray") == "/usr/bin/jobtray"
    assert _exec_quote('a "b" $c') == '"a \\"b\\" \\$c"'


def test_cli_flag_installs_into_xdg_data_home(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", "--install-desktop-entry"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "applications" / "jobtray.desktop").is_file()


def test_a_frozen_bundle_installed_by_the_package_is_started_as_usr_bin_jobtray(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `apt install ./jobtray_*.deb` the bundle is /usr/lib/jobtray/jobtray and /usr/bin/jobtray links to it:
    menus and autostart should name the link (it used to write the bundle's own path)."""
    from desktop_app.system.desktop_entry import launch_command

    bundle = tmp_path / "lib" / "jobtray" / "jobtray"
    bundle.parent.mkdir(parents=True)
    bundle.write_text("#!/bin/sh\n")
    bundle.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "jobtray").symlink_to(bundle)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle))
    monkeypatch.setenv("PATH", str(bin_dir))
    assert launch_command() == [str(bin_dir / "jobtray")]
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))  # not on PATH (a bundle run from its folder)
    assert launch_command() == [str(bundle)]
