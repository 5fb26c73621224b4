"""core/forwarding.py: which targets an ending goes to, what they are told, and which parts of a URL are secret."""

from __future__ import annotations

import pytest

from desktop_app.core.errors import ConfigError
from desktop_app.core.forwarding import (
    ForwardTarget,
    UrlSource,
    check_name,
    check_url,
    forward_message,
    redact,
    targets_for,
    url_tokens,
)
from desktop_app.core.model import JobState
from tests.factories import make_job


def test_secret_parts_of_a_url_and_never_an_address_or_a_short_word() -> None:
    url = "json://user:pw12@127.0.0.1:8080/hook/tk_0123456789?key=abcdefghij"
    tokens = url_tokens(url)
    assert {"pw12", "tk_0123456789", "abcdefghij", url} <= set(tokens)
    assert not {"user", "hook", "127.0.0.1", "8080"} & set(tokens)
    assert "123456:ABCDEFGH" not in url_tokens("tgram://123456:ABCDEFGH/42")  # split at ':'...
    assert "ABCDEFGH" in url_tokens("tgram://123456:ABCDEFGH/42")  # ...its token part still blanked
    assert redact(f"POST {url} failed", url) == "POST *** failed"


def test_targets_for_an_account_are_the_global_ones_and_its_own() -> None:
    every = ForwardTarget("all", UrlSource.KEYRING)
    mine = ForwardTarget("mine", UrlSource.ENV, account="acme", url_env="X")
    theirs = ForwardTarget("theirs", UrlSource.ENV, account="other", url_env="Y")
    assert targets_for([every, mine, theirs], "acme") == [every, mine]


def test_the_message_is_safe_and_carries_the_link_only_when_asked() -> None:
    job = make_job(
        3, JobState.PARTIAL, label="a\x1b]0;title\x07b", message="x" * 900, result_url="https://r.example/f?sig=S"
    )
    message = forward_message(job)
    assert message.title.startswith("Partial: a") and "\x1b" not in message.title
    assert "state: partial" in message.body and len(message.body) < 800 and "sig=S" not in message.body
    assert not message.failure
    assert "result: https://r.example/f?sig=S" in forward_message(job, with_link=True).body
    assert forward_message(make_job(4, JobState.FAILED)).failure


def test_names_and_urls_are_checked() -> None:
    assert check_name("phone-2") == "phone-2"
    for bad in ("", "a b", "-x", "x" * 65):
        with pytest.raises(ValueError):
            check_name(bad)
    check_url("ntfy://ntfy.sh/topic")
    for bad in ("ntfy.sh/topic", "://x", "a b://x"):
        with pytest.raises(ConfigError):
            check_url(bad)


def test_a_forward_says_the_state_in_the_words_of_list_json() -> None:
    """One vocabulary (issue 20): a phone shows the word `list --json`, `JOBTRAY_STATE` and the notification say."""
    titles = {state: forward_message(make_job(1, state, label="x")).title for state in JobState if state.is_terminal}
    assert titles == {
        JobState.SUCCEEDED: "Succeeded: x",
        JobState.PARTIAL: "Partial: x",
        JobState.FAILED: "Failed: x",
        JobState.CANCELLED: "Cancelled: x",
        JobState.NOT_FOUND: "Not found: x",
    }
