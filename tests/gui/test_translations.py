"""Translations (issue 14): the German .ts is complete, holds every string the sources mark, its .qm is current,
and the window and the tray menu come up German under LANG=de_DE.UTF-8 and English under LANG=C."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "jobtray_de.ts"
QM = TS.with_suffix(".qm")
BIN = Path(sys.executable).parent
SOURCES = sorted(str(p) for folder in ("ui", "app") for p in (ROOT / "desktop_app" / folder).glob("*.py"))

# Starts the real app (run_app) on an empty data folder and prints what the window and the tray menu say.
_PROBE = """
import argparse, json, sys
from datetime import UTC, datetime, timedelta
from desktop_app.app.run import run_app
from desktop_app.ui.texts import relative_time

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

def ready(controller):
    window = controller.window
    header = window.table.model().headerData(0, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal)
    texts = {
        "welcome": window.welcome.texts()[0],
        "header": header,
        "menu": [a.text() for a in controller.tray.menu.actions() if a.text()],
        "filter": window.filter.placeholderText(),
        "ago": relative_time(NOW - timedelta(minutes=3), NOW),
    }
    print("PROBE " + json.dumps(texts), flush=True)

args = argparse.Namespace(data_dir=sys.argv[1], quit_after=0.2, demo=False)
sys.exit(run_app(args, ready))
"""


def _messages() -> list[tuple[str, ET.Element]]:
    root = ET.parse(TS).getroot()  # noqa: S314 - our own file
    return [(context.findtext("name", ""), message) for context in root for message in context.iter("message")]


def test_ts_has_no_unfinished_or_obsolete_entries() -> None:
    bad = []
    for context, message in _messages():
        translation = message.find("translation")
        forms = [] if translation is None else [f.text for f in translation.iter("numerusform")]
        text = None if translation is None else (translation.text if not forms else all(forms))
        if translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete") or not text:
            bad.append((context, message.findtext("source")))
    assert bad == []


def test_ts_holds_every_marked_source_string(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    subprocess.run(
        [str(BIN / "pyside6-lupdate"), "-locations", "none", *SOURCES, "-ts", str(fresh)],
        check=True,
        capture_output=True,
    )
    fresh_root = ET.parse(fresh).getroot()  # noqa: S314 - written by lupdate just now
    wanted = {(c.findtext("name"), m.findtext("source")) for c in fresh_root for m in c.iter("message")}
    have = {(context, message.findtext("source")) for context, message in _messages()}
    assert sorted(wanted - have) == [], "run `bash packaging/translations.sh update` and translate the new strings"
    assert sorted(have - wanted) == [], "strings no source uses any more: `bash packaging/translations.sh update`"


def test_committed_qm_is_built_from_the_ts(tmp_path: Path) -> None:
    built = tmp_path / "jobtray_de.qm"
    subprocess.run([str(BIN / "pyside6-lrelease"), "-silent", str(TS), "-qm", str(built)], check=True)
    assert QM.read_bytes() == built.read_bytes(), "run `bash packaging/translations.sh release`"


def _probe(tmp_path: Path, lang: str) -> dict[str, object]:
    env = dict(os.environ, LANG=lang, LC_ALL=lang, QT_QPA_PLATFORM="offscreen")
    env.pop("LANGUAGE", None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path / "data")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert lines, done.stderr
    result: dict[str, object] = json.loads(lines[0][len("PROBE ") :])
    return result


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de_DE.UTF-8", ("Willkommen bei JobTray", "Auftrag", "Jetzt prüfen", "Aufträge filtern", "vor 3 Min.")),
        ("C", ("Welcome to JobTray", "Job", "Check now", "Filter jobs", "3 min ago")),
    ],
)
def test_the_app_speaks_the_system_language(tmp_path: Path, lang: str, expected: tuple[str, ...]) -> None:
    welcome, header, entry, filter_start, ago = expected
    texts = _probe(tmp_path, lang)
    assert texts["welcome"] == welcome
    assert texts["header"] == header
    assert entry in texts["menu"]  # type: ignore[operator]
    assert str(texts["filter"]).startswith(filter_start)
    assert texts["ago"] == ago  # a count filled in (%n) with the translation found
