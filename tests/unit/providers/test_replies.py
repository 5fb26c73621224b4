"""Vendors' job-creation replies: the provider named by the reply's shape, the job found, errors refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.providers.replies import MAX_REPLY_BYTES, CreationReply, VendorError, parse_reply

FIXTURES = Path(__file__).parents[2] / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "pdfco/creation_async.json",
            CreationReply("pdfco", "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300", "invoice.json"),
        ),
        ("scriptx/creation_print_queued_to_file.json", CreationReply("scriptx", "8c72a9871ba64c4ba507b4392c1ce0b9")),
        ("scriptx/creation_print_under_data.json", CreationReply("scriptx", "3f0d8b5e41a24c2c9a7e6b1d2c3e4f50")),
        ("encodingcom/addmedia_added.xml", CreationReply("encodingcom", "5220424")),
        ("encodingcom/addmedia_added.json", CreationReply("encodingcom", "5220425")),
        ("ipaper/processpdf_queued.xml", CreationReply("ipaper", "9c1f2e4a-7b3d-4c5e-8f60-1a2b3c4d5e6f")),
    ],
)
def test_each_vendors_documented_reply_names_its_job(name: str, expected: CreationReply) -> None:
    assert parse_reply(fixture(name)) == expected


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("pdfco/creation_error.json", "Unauthorized: the API key is not valid"),
        ("scriptx/creation_soft_error.json", "The printer 'Office' is not available"),
        ("encodingcom/addmedia_error.xml", "Source file is not indicated"),
        ("ipaper/processpdf_already_processing.xml", "RIPPER_CANNOT_PROCESS_PAPER_ALREADY_BEING_PROCESSED"),
    ],
)
def test_a_reply_reporting_an_error_is_the_vendors_error(name: str, words: str) -> None:
    with pytest.raises(VendorError, match="nothing added") as caught:
        parse_reply(fixture(name))
    assert words in str(caught.value)


def test_encodingcom_json_errors_and_several_errors() -> None:
    with pytest.raises(VendorError, match="Wrong user id or key!"):
        parse_reply(b'{"response":{"errors":{"error":"Wrong user id or key!"}}}')
    with pytest.raises(VendorError, match="a; b"):
        parse_reply(b"<response><errors><error>a</error><error>b</error></errors></response>")


def test_ipaper_guid_found_by_name_or_shape_never_by_position() -> None:
    by_other_name = (
        b"<result><code>SUCCESS</code><data>"
        b"<ProcessingJobGUID>{0A1B2C3D-0000-4000-8000-00000000000A}</ProcessingJobGUID></data></result>"
    )
    assert parse_reply(by_other_name) == CreationReply("ipaper", "{0A1B2C3D-0000-4000-8000-00000000000A}")
    bare = b"<result><code>SUCCESS</code><data><![CDATA[ 0a1b2c3d-0000-4000-8000-00000000000b ]]></data></result>"
    assert parse_reply(bare) == CreationReply("ipaper", "0a1b2c3d-0000-4000-8000-00000000000b")
    with pytest.raises(VendorError, match="no job GUID"):
        parse_reply(b"<result><code>SUCCESS</code><message>Process queued successfully.</message></result>")


def test_plain_text_and_other_documents_are_not_replies() -> None:
    assert parse_reply(b"see 6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300 please") is None
    assert parse_reply(b'{"hello": "world"}') is None
    assert parse_reply(b"[1, 2]") is None
    assert parse_reply(b"<html><body>hi</body></html>") is None
    assert parse_reply(b"{not json") is None
    assert parse_reply(b"\xff\xfe") is None


def test_hostile_replies_are_refused_or_ignored() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><response><MediaID>&a;</MediaID></response>'
    assert parse_reply(bomb) is None  # a DTD: not a reply we read
    assert parse_reply(b"{" * 100_000) is None  # deep nesting
    assert parse_reply(b" " * (MAX_REPLY_BYTES + 1)) is None
    label = parse_reply(b'{"jobId": "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300", "name": "a\\u001b[2Jb\\u202e"}')
    assert label is not None and label.label is not None
    assert "\x1b" not in label.label and "\u202e" not in label.label


def test_numbers_of_a_json_document_are_never_searched_for_ids() -> None:
    """Issue 20: an unrecognised JSON reply's `remainingCredits` was taken as an encoding.com media ID."""
    from desktop_app.providers.replies import searchable_text

    text = searchable_text(b'{"remainingCredits": 93574, "total": 5220424, "note": "media 5220425", "a": ["x 77777"]}')
    assert "93574" not in text and "5220424" not in text
    assert "5220425" in text and "77777" in text
    assert searchable_text(b"media 5220424 queued") == "media 5220424 queued"


@pytest.mark.parametrize(
    "name",
    [
        "recorded/sync_result_no_jobid.json",
        "recorded/upload_presigned_no_jobid.json",
        "recorded/ambiguous_jobid_and_jobidentifier.json",
    ],
)
def test_replies_that_start_no_job_or_are_ambiguous_are_vendor_errors(name: str) -> None:
    from pathlib import Path

    from desktop_app.providers.replies import VendorError, parse_reply

    raw = (Path(__file__).parents[2] / "fixtures" / "pdfco" / name).read_bytes()
    with pytest.raises(VendorError):
        parse_reply(raw)


def test_a_pdfco_job_id_is_never_a_number() -> None:
    from desktop_app.providers.replies import VendorError, parse_reply

    with pytest.raises(VendorError):
        parse_reply(b'{"jobId": 1480582, "error": false, "status": 200}')
