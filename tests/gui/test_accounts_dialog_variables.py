"""The accounts dialog and the welcome know providers defined in files: they are in the lists the app passes, and
their variables (`owner=octo-org repo=site`, what `account add --var` takes) are typed in one field and kept."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_app.core.model import Account, KeySource
from desktop_app.ui.accounts_dialog import AccountEditor, parse_variables

PROVIDERS = [("pdfco", "PDF.co"), ("github_actions", "GitHub Actions")]


def test_a_defined_provider_is_offered_and_its_variables_are_read(qtbot: QtBot) -> None:
    editor = AccountEditor(PROVIDERS)
    qtbot.addWidget(editor)
    editor.provider.setCurrentIndex(editor.provider.findData("github_actions"))
    editor.name.setText("ci")
    editor.variables.setText(" owner=octo-org,  repo=hello-world ")
    form = editor.form()
    assert form.provider == "github_actions"
    assert form.variables == (("owner", "octo-org"), ("repo", "hello-world"))


def test_editing_shows_the_accounts_variables() -> None:
    account = Account(
        name="ci",
        provider="github_actions",
        key_source=KeySource.ENV,
        key_env="GH",
        variables=(("owner", "octo-org"), ("repo", "site")),
    )
    editor = AccountEditor(PROVIDERS, account)
    try:
        assert editor.variables.text() == "owner=octo-org repo=site"
        assert editor.form().variables == account.variables
    finally:
        editor.deleteLater()


def test_a_word_without_a_value_is_kept_for_the_account_check_to_name() -> None:
    assert parse_variables("owner") == (("owner", ""),)
    assert parse_variables("") == ()


def test_the_welcome_offers_defined_providers_the_app_passes(qtbot: QtBot) -> None:
    from desktop_app.ui.welcome import WelcomePanel

    panel = WelcomePanel()
    qtbot.addWidget(panel)
    built_in = set(panel.add_buttons)
    page = "https://cloudconvert.com/api/v2/jobs#jobs-show"
    panel.add_defined_providers([("cloudconvert", "CloudConvert", page), ("pdfco", "PDF.co again", "https://x")])
    assert set(panel.add_buttons) == built_in | {"cloudconvert"}  # a built-in one is not added twice
    assert panel.add_buttons["cloudconvert"].text() == "Add CloudConvert account..."
    assert any(page in text and "CloudConvert" in text for text in panel.texts())
    with qtbot.waitSignal(panel.add_account_requested) as asked:
        panel.add_buttons["cloudconvert"].click()
    assert asked.args == ["cloudconvert"]
