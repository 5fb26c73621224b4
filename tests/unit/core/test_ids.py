from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.errors import ConfigError
from desktop_app.core.ids import (
    PROVIDER_NAMES,
    candidates,
    extract_ids,
    given_id,
    is_single_token,
    normalize_id,
)

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
    found = candidates(f"{PDFCO_ID} and {GUID}")
    assert found == {"pdfco": [PDFCO_ID], "ipaper": [GUID]}


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
    for provider in PROVIDER_NAMES:
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
