"""Issue 23: the Settings dialog writes dates as the user's locale does (ISO 8601 where the locale is C) and
seconds as "60 s", not "3 12 2026 06:31" and "60.00 s"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QLocale

from desktop_app.core.settings import GlobalSettings
from desktop_app.ui.settings_dialog import SettingsDialog, date_time_format

NOW = datetime(2026, 12, 3, 5, 31, tzinfo=UTC)


@pytest.fixture
def locale_named(request: pytest.FixtureRequest) -> Iterator[QLocale]:
    before = QLocale()
    chosen = QLocale(request.param)
    QLocale.setDefault(chosen)
    try:
        yield chosen
    finally:
        QLocale.setDefault(before)


def _dialog(qtbot, **settings: object) -> SettingsDialog:
    dialog = SettingsDialog(GlobalSettings(**settings), {}, now=NOW)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    return dialog


@pytest.mark.parametrize("locale_named", ["C"], indirect=True)
def test_in_the_c_locale_the_mute_date_is_iso_8601(qtbot, locale_named: QLocale) -> None:
    dialog = _dialog(qtbot, muted_until=NOW + timedelta(hours=2))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", dialog.muted_until.text()), dialog.muted_until.text()


@pytest.mark.parametrize("locale_named", ["de_DE", "en_US"], indirect=True)
def test_elsewhere_the_mute_date_is_written_as_the_locale_writes_it(qtbot, locale_named: QLocale) -> None:
    dialog = _dialog(qtbot, muted_until=NOW + timedelta(hours=2))
    assert date_time_format(locale_named) == locale_named.dateTimeFormat(QLocale.FormatType.ShortFormat)
    assert dialog.muted_until.displayFormat() == date_time_format(locale_named)
    shown = dialog.muted_until.dateTime().toString(date_time_format(locale_named))
    assert dialog.muted_until.text() == shown


@pytest.mark.parametrize("locale_named", ["C", "de_DE"], indirect=True)
def test_the_time_limit_reads_60_s(qtbot, locale_named: QLocale) -> None:
    dialog = _dialog(qtbot, command_timeout=60.0)
    assert dialog.timeout.text() == "60 s"
    dialog.timeout.setValue(0.5)
    assert dialog.timeout.text() == ("0,5 s" if locale_named.name() == "de_DE" else "0.5 s")
    assert dialog.timeout.value() == 0.5
