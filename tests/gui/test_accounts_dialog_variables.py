"""The accounts dialog knows providers defined in files: they are in its provider list as the app passes them, and
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
