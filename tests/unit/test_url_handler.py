"""jobtray:// links reach `jobtray open`: the desktop entry handles x-scheme-handler/jobtray with `%u`, the install
makes it the default handler, and `jobtray LINK` (what `Exec=jobtray %u` runs) opens the link."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.cli.commands import main
from desktop_app.system.desktop_entry import SCHEME_MIME, install, register_url_handler


@pytest.mark.skipif(sys.platform != "linux", reason="XDG desktop entries")
def test_the_installed_entry_handles_jobtray_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    written = install(["/opt/jobtray/jobtray"], target=tmp_path / "data")
    entry = written[0].read_text(encoding="utf-8")
    assert "Exec=/opt/jobtray/jobtray %u" in entry
    assert f"MimeType={SCHEME_MIME};" in entry
    assert f"{SCHEME_MIME}=jobtray.desktop" in (tmp_path / "config" / "mimeapps.list").read_text(encoding="utf-8")
    validate = subprocess.run(["desktop-file-validate", str(written[0])], capture_output=True, text=True, check=False)
    assert validate.returncode == 0, validate.stdout + validate.stderr


def test_registering_keeps_other_handlers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "mimeapps.list").write_text("[Default Applications]\ntext/html=firefox.desktop\n", encoding="utf-8")
    register_url_handler()
    register_url_handler()
    text = (tmp_path / "mimeapps.list").read_text(encoding="utf-8")
    assert "text/html=firefox.desktop" in text and text.count(SCHEME_MIME) == 1


def test_a_link_as_the_only_argument_is_opened() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["jobtray://watch?provider=nope&id=1"], out=out, err=err)
    assert code == 2
    assert "provider JobTray does not know" in err.getvalue()
