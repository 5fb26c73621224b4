"""The Settings dialog's Forwarding page (issue 21): add (URL or variable), remove, Test, and the rules."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.errors import ConfigError
from desktop_app.core.forwarding import ForwardTarget, UrlSource
from desktop_app.core.model import Secret
from desktop_app.core.rules import PRESENCE_UNKNOWN_TEXT, Presence
from desktop_app.core.settings import GlobalSettings
from desktop_app.ui.forwarding_page import ForwardingPage

TARGETS = [
    ForwardTarget("phone", UrlSource.KEYRING),
    ForwardTarget("team", UrlSource.ENV, account="acme", url_env="TEAM_URL"),
]


def _page(qtbot: QtBot, targets: list[ForwardTarget] | None = None) -> ForwardingPage:
    page = ForwardingPage(TARGETS if targets is None else targets, ["acme"], GlobalSettings(), Presence.UNKNOWN)
    qtbot.addWidget(page)
    return page


def test_targets_are_listed_without_urls_and_test_and_remove_name_the_selected(qtbot: QtBot) -> None:
    page = _page(qtbot)
    texts = [page.targets.item(i).text() for i in range(page.targets.count())]
    assert texts == ["phone · every account · keyring", "team · acme · variable TEAM_URL"]
    page.targets.setCurrentRow(1)
    with qtbot.waitSignal(page.test_requested) as tested:
        page.test_button.click()
    assert tested.args == ["team"]
    assert page.test_result.text() == "Sending a test to team..."
    page.show_test_result("team", "no answer within 15 s")
    assert page.test_result.text() == "Not delivered to team: no answer within 15 s"
    with qtbot.waitSignal(page.remove_requested) as removed:
        page.remove_button.click()
    assert removed.args == ["team"]
    assert not _page(qtbot, []).test_button.isEnabled()


def test_add_hands_over_the_url_as_a_secret_and_forgets_it(qtbot: QtBot) -> None:
    page = _page(qtbot)
    page.name.setText("chat")
    page.url.setText("ntfy://ntfy.sh/tk_secret_topic")
    page.account.setCurrentIndex(1)
    page.with_link.setChecked(True)
    with qtbot.waitSignal(page.add_requested) as added:
        page.add_button.click()
    target, url = added.args
    assert target == ForwardTarget("chat", UrlSource.KEYRING, account="acme", with_link=True)
    assert isinstance(url, Secret) and url.reveal() == "ntfy://ntfy.sh/tk_secret_topic"
    assert page.url.text() == ""

    page.name.setText("env")
    page.url_env.setText("MY_URL")
    with qtbot.waitSignal(page.add_requested) as by_env:
        page.add_button.click()
    assert by_env.args == [ForwardTarget("env", UrlSource.ENV, url_env="MY_URL"), None]


def test_bad_input_is_said_and_nothing_is_sent(qtbot: QtBot) -> None:
    page = _page(qtbot)
    with qtbot.assertNotEmitted(page.add_requested):
        page.name.setText("bad name")
        page.add_button.click()
        assert "not a forward name" in page.error.text()
        page.name.setText("ok")
        page.add_button.click()
        assert "not both" in page.error.text()
        page.url.setText("not a url")
        page.add_button.click()
        assert "not an apprise URL" in page.error.text() and "not a url" not in page.error.text()


def test_the_rules_and_the_presence_note(qtbot: QtBot) -> None:
    page = _page(qtbot)
    assert page.presence_note.text() == PRESENCE_UNKNOWN_TEXT  # the CLI's sentence (translated where one is)
    page.min_minutes.setValue(10)
    page.away_only.setChecked(True)
    page.quiet_hours.setText("22:00-07:00")
    page.respect_dnd.setChecked(False)
    page.renotify.setValue(0)
    applied = page.apply(GlobalSettings())
    assert (applied.forward_min_minutes, applied.forward_when_away, applied.quiet_hours) == (10, True, "22:00-07:00")
    assert (applied.respect_dnd, applied.renotify_hours) == (False, 0)
    page.quiet_hours.setText("late")
    with pytest.raises(ConfigError):
        page.apply(GlobalSettings())


def test_the_page_in_the_settings_dialog_saves_its_rules_with_the_rest(qtbot: QtBot) -> None:
    from desktop_app.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(GlobalSettings(), {})
    qtbot.addWidget(dialog)
    page = ForwardingPage([], [], GlobalSettings())
    dialog.add_page(page)
    page.away_only.setChecked(True)
    page.quiet_hours.setText("23:00-06:30")
    with qtbot.waitSignal(dialog.save_requested) as saved:
        dialog._save()
    app, _ = saved.args
    assert app.forward_when_away and app.quiet_hours == "23:00-06:30"


def test_the_presence_note_says_checking_until_the_presence_is_read(qtbot: QtBot) -> None:
    page = ForwardingPage([], [], GlobalSettings())
    qtbot.addWidget(page)
    assert page.presence_note.text() == "Checking whether this desktop tells idle from active..."
    assert not page.presence_note.isHidden()
    page.show_presence(Presence.IDLE)
    assert page.presence_note.isHidden()
    page.show_presence(Presence.UNKNOWN)
    assert page.presence_note.text() == PRESENCE_UNKNOWN_TEXT and not page.presence_note.isHidden()
