"""Issue 20: IDs are ASCII, and a near miss gets a hint instead of a silent truncation."""

from __future__ import annotations

import pytest

from desktop_app.core import ids
from desktop_app.core.errors import ConfigError
from desktop_app.providers.registry import DISPLAY_NAMES, ID_SPECS

CORE = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA"
BUILT_IN = {name: ID_SPECS[name] for name in ("ipaper", "scriptx", "pdfco", "encodingcom")}


@pytest.mark.parametrize(
    "text",
    [
        f"job {CORE}--\uff11\uff15\uff11-\uff13\uff10\uff10 started",  # fullwidth suffix: was added as it was
        f"job {CORE}-151-300 started",  # one dash: the suffix was silently dropped
        f"{CORE}\u0661",  # an Arabic-Indic digit glued on
        "media \uff15\uff12\uff12\uff10\uff14\uff12\uff14 queued",  # fullwidth 5220424
        "media 52204\u0662\u0664 queued",
        "token 8c72a9871ba64c4ba507b4392c1ce0b\u0669",
        "guid 3f2504e0-4f89-11d3-9a0c-0305e82c330\u0661",
    ],
)
def test_non_ascii_digits_are_never_id_characters_in_free_text(text: str) -> None:
    assert ids.candidates(text, BUILT_IN) == {}


def test_the_documented_forms_are_still_found() -> None:
    found = ids.candidates(f"{CORE}--151-300 and 5220424", BUILT_IN)
    assert found == {"pdfco": [f"{CORE}--151-300"], "encodingcom": ["5220424"]}


@pytest.mark.parametrize("provider", ["ipaper", "scriptx", "pdfco", "encodingcom"])
@pytest.mark.parametrize(
    "token", [f"{CORE}--\uff11\uff15\uff11-\uff13\uff10\uff10", "52204\u0662\u0664", "pdf\u00e9job"]
)
def test_a_given_id_with_non_ascii_characters_is_refused_with_one_line(provider: str, token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ids.given_id(ID_SPECS[provider], token, DISPLAY_NAMES[provider])
    message = str(caught.value)
    assert "\n" not in message and "ASCII" in message


@pytest.mark.parametrize(
    ("text", "provider", "form"),
    [
        (f"{CORE}-151-300", "PDF.co", "--NNN-NNN"),
        (f"{CORE}--\uff11\uff15\uff11-\uff13\uff10\uff10", "PDF.co", "--NNN-NNN"),
        (f"{CORE[:31]}", "PDF.co", "32 upper-case"),
        ("3f2504e0-4f89-11d3-9a0c-0305e82c330", "iPaper", "GUID"),
        ("52204\u0662\u0664", "encoding.com", "positive integer"),
    ],
)
def test_a_near_miss_gets_a_hint_naming_the_form(text: str, provider: str, form: str) -> None:
    hint = ids.near_miss_hint(text, BUILT_IN, DISPLAY_NAMES)
    assert hint is not None and provider in hint and form in hint


@pytest.mark.parametrize("text", ["hello world", "order 12 shipped", ""])
def test_ordinary_text_gets_no_hint(text: str) -> None:
    assert ids.near_miss_hint(text, BUILT_IN, DISPLAY_NAMES) is None
