"""The one intake (core/intake.py, with the registry bound in engine/intake.py): every front places text,
replies, links and hand-offs by the same rules."""

from __future__ import annotations

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.core.intake import Owner, Placed, owners, place_given, place_handoff, place_text
from desktop_app.core.model import Account, KeySource
from desktop_app.engine.intake import id_book
from desktop_app.ui.drops import plan_drop

PDFCO_ID = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"
ODD = "my-own-job-7"  # not PDF.co's documented form, but sendable


def _account(name: str, provider: str = "pdfco", row_id: int = 1) -> Account:
    return Account(name, provider, KeySource.ENV, key_env="K", id=row_id)


def test_the_window_and_the_terminal_answer_the_same_for_a_token_with_an_explicit_account() -> None:
    """Issue 19: `jobtray add --account a ODD` added it with a warning; the window refused the same token."""
    accounts = [_account("a")]
    cli_warnings: list[str] = []
    gui_warnings: list[str] = []
    assert place_text(accounts, [ODD], "a", id_book(), warnings=cli_warnings) == [Placed(accounts[0], ODD)]
    assert owners(ODD, accounts, id_book(), "a", gui_warnings) == [Owner(accounts[0], (ODD,))]
    assert cli_warnings == gui_warnings and len(cli_warnings) == 1
    assert not plan_drop(ODD, accounts, "a", specs=id_book().specs).empty


def test_without_an_account_several_owners_are_a_choice_for_the_window_and_an_error_for_the_terminal() -> None:
    accounts = [_account("a"), _account("b", row_id=2)]
    assert [o.account.name for o in owners(PDFCO_ID, accounts, id_book())] == ["a", "b"]
    with pytest.raises(ConfigError, match="several accounts"):
        place_text(accounts, [PDFCO_ID], None, id_book())


def test_a_link_is_strict_a_reply_and_a_hand_off_are_not() -> None:
    accounts = [_account("a")]
    with pytest.raises(ConfigError, match="refused"):
        place_given(accounts, "pdfco", ODD, None, id_book(), strict=True)
    warnings: list[str] = []
    assert place_given(accounts, "pdfco", ODD, None, id_book(), warnings=warnings).job_id == ODD
    assert warnings
    assert place_handoff(accounts, "a", ODD, None, id_book()).job_id == ODD
    with pytest.raises(ConfigError, match="no account named"):
        place_handoff(accounts, "nobody", PDFCO_ID, None, id_book())
    with pytest.raises(ConfigError, match="control"):
        place_handoff(accounts, "a", "bad\x1bid", None, id_book())
