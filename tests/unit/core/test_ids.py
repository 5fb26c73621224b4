"""core.ids with the providers' own specs (from the registry, as every caller passes them) and with specs made
here, which core takes as readily: it knows no provider."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core import ids
from desktop_app.core.errors import ConfigError
from desktop_app.core.ids import IdSpec, candidates, is_single_token
from desktop_app.providers.registry import DISPLAY_NAMES, ID_SPECS


def extract_ids(provider: str, text: str) -> list[str]:
    return ids.extract_ids(ID_SPECS[provider], text)


def normalize_id(provider: str, raw: str) -> str | None:
    return ids.normalize_id(ID_SPECS[provider], raw)


def given_id(provider: str, raw: str) -> tuple[str, str | None]:
    return ids.given_id(ID_SPECS[provider], raw, DISPLAY_NAMES[provider])


PDFCO_ID = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300"
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
TOKEN = "8c72a9871ba64c4ba507b4392c1ce0b9"


def test_pdfco_id_from_its_result_url() -> None:
    url = f"https://pdf-temp-files.s3.us-west-2.amazonaws.com/{PDFCO_ID}/L8QYIZQ6KZOITCT0PXUNPM6HKYSP5OIO.json?X=1"
    # The file name is also 32 base-36 characters; both are found, the job ID first.
    assert extract_ids("pdfco", url)[0] == PDFCO_ID


def test_pdfco_id_in_prose_and_in_a_query() -> None:
    assert extract_ids("pdfco", f"job {PDFCO_ID} is slow") == [PDFCO_ID]
    assert extract_ids("pdfco", f"https://api.pdf.co/v1/job/check?jobid={PDFCO_ID}") == [PDFCO_ID]


def test_ipaper_guid_with_or_without_braces() -> None:
    assert normalize_id("ipaper", "{" + GUID + "}") == GUID
    assert extract_ids("ipaper", f"Processing {GUID.upper()} started") == [GUID.upper()]


def test_scriptx_token_from_status_url_and_opaque_tokens() -> None:
    assert extract_ids("scriptx", f"https://scriptxservices.meadroid.com/api/v1/printPdf/status/{TOKEN}") == [TOKEN]
    assert extract_ids("scriptx", "http://127.0.0.1:41191/api/v1/printPdf/download/pdf0:job") == ["pdf0:job"]
    assert normalize_id("scriptx", "pdf0:job") == "pdf0:job"
    assert normalize_id("scriptx", "has space") is None


def test_encodingcom_ids_are_integers_long_ones_found_in_text() -> None:
    assert normalize_id("encodingcom", "123") == "123"
    assert normalize_id("encodingcom", "0123") is None
    assert extract_ids("encodingcom", "media 5220424 at 12:30 on 2026-11-23") == ["5220424"]
    assert extract_ids("encodingcom", "https://manage.encoding.com/?mediaid=123,124") == ["123", "124"]


def test_candidates_lists_only_providers_that_match() -> None:
    found = candidates(f"{PDFCO_ID} and {GUID}", ID_SPECS)
    assert found == {"pdfco": [PDFCO_ID], "ipaper": [GUID]}
    assert candidates(f"{PDFCO_ID} and {GUID}", {"ipaper": ID_SPECS["ipaper"]}) == {"ipaper": [GUID]}


def test_duplicates_are_reported_once() -> None:
    assert extract_ids("pdfco", f"{PDFCO_ID} {PDFCO_ID}") == [PDFCO_ID]


@pytest.mark.parametrize("text", ["abc", "  abc  ", "pdf0:job"])
def test_single_tokens(text: str) -> None:
    assert is_single_token(text)


@pytest.mark.parametrize("text", ["", "  ", "two words", "https://x.example/a"])
def test_not_single_tokens(text: str) -> None:
    assert not is_single_token(text)


@given(st.text(max_size=2000))
def test_extraction_never_raises_and_only_returns_valid_ids(text: str) -> None:
    for provider in ID_SPECS:
        for job_id in extract_ids(provider, text):
            assert normalize_id(provider, job_id) == job_id


@pytest.mark.parametrize(
    ("provider", "raw", "expected"),
    [
        ("pdfco", PDFCO_ID, PDFCO_ID),
        ("ipaper", "{" + GUID + "}", GUID),
        ("scriptx", TOKEN, TOKEN),
        ("encodingcom", " 5220424 ", "5220424"),
    ],
)
def test_a_documented_id_is_given_without_warning(provider: str, raw: str, expected: str) -> None:
    assert given_id(provider, raw) == (expected, None)


@pytest.mark.parametrize(
    ("provider", "raw"),
    [
        ("pdfco", "100QYIZQ6KZOITCT0PXUNPM6HKYSP5OIO--200-300"),  # 33 characters before the dashes
        ("scriptx", "pdf0:job"),
        ("scriptx", "a/b?c#d"),
        ("ipaper", "job-17"),
        ("encodingcom", "abc"),
    ],
)
def test_an_undocumented_token_is_taken_as_given_with_a_warning(provider: str, raw: str) -> None:
    job_id, warning = given_id(provider, raw)
    assert job_id == raw
    assert warning is not None and "added as given" in warning and "\n" not in warning


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a b", "whitespace"),
        ("a\tb", "whitespace"),
        ("a\x00b", "control"),
        ("a\x1b[2Jb", "control"),
        ("a\u202eb", "control"),
        ("a\ud800b", "control"),
        ("x" * 201, "longer than 200"),
    ],
)
def test_a_token_that_cannot_be_sent_safely_is_refused(raw: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        given_id("pdfco", raw)
    message = str(caught.value)
    assert len(message) < 200 and message.isprintable()


@pytest.mark.parametrize("raw", [".", ".."])
def test_dots_cannot_be_a_path_token(raw: str) -> None:
    with pytest.raises(ConfigError, match="dots"):
        given_id("scriptx", raw)
    assert given_id("pdfco", raw)[0] == raw  # sent in a JSON body there: harmless


# ---- core takes any spec: it knows no provider --------------------------------------------------------------------

TICKET = IdSpec(
    valid=re.compile(r"<?T-[0-9]{3,6}>?"),
    find=re.compile(r"(?<![0-9A-Za-z-])T-[0-9]{3,6}(?![0-9A-Za-z])"),
    url_params=("ticket",),
    url_path_markers=("/tickets/",),
    documented="T- and 3 to 6 digits",
    documented_pattern=re.compile(r"T-[0-9]{3,6}"),
    in_path=True,
    strip="<>",
)


def test_a_spec_made_here_is_used_as_given_patterns_urls_and_normalisation() -> None:
    assert ids.normalize_id(TICKET, " <T-1234> ") == "T-1234"
    assert ids.normalize_id(TICKET, "T-12") is None
    text = "see T-1001, https://x.example/tickets/T-1002/log and https://x.example/?ticket=T-1003,T-1001"
    assert ids.extract_ids(TICKET, text) == ["T-1002", "T-1003", "T-1001"]  # URLs first, then prose; each once
    assert candidates(text, {"tickets": TICKET, "pdfco": ID_SPECS["pdfco"]}) == {
        "tickets": ["T-1002", "T-1003", "T-1001"]
    }


def test_given_id_names_the_provider_it_is_told_and_follows_the_spec() -> None:
    assert ids.given_id(TICKET, "<T-123>", "Tickets") == ("T-123", None)
    job_id, warning = ids.given_id(TICKET, "ticket-9", "Tickets")
    assert job_id == "ticket-9"
    assert warning == "'ticket-9' does not look like a Tickets job ID (T- and 3 to 6 digits); added as given"
    with pytest.raises(ConfigError, match="dots"):
        ids.given_id(TICKET, "..", "Tickets")  # in_path


def test_a_provider_is_shown_by_the_names_it_is_given_else_its_own_name() -> None:
    assert ids.provider_display_name("tickets", {"tickets": "Tickets"}) == "Tickets"
    assert ids.provider_display_name("tickets", {}) == "tickets"
    assert ids.provider_display_name("tickets") == "tickets"
