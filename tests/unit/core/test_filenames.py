"""Result file names from hostile servers: one file, inside the folder, visible, short enough."""

from __future__ import annotations

import pytest

from desktop_app.core.filenames import (
    MAX_NAME_BYTES,
    name_from_content_disposition,
    name_from_url,
    numbered,
    result_file_name,
    safe_file_name,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../x", "x"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("/etc/passwd", "passwd"),
        (".bashrc", "bashrc"),
        ("...", "result"),
        ("..", "result"),
        ("", "result"),
        ("a\x00b\x1bc\nd.txt", "a_b_c_d.txt"),
        ("evil\u202etxt.exe", "evil_txt.exe"),
        ('a<b>c:"d|e?f*.pdf', "a_b_c__d_e_f_.pdf"),
        ("name..pdf", "name.pdf"),
        ("trailing. ", "trailing"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("cafe\u0301.pdf", "caf\u00e9.pdf"),
    ],
)
def test_safe_file_name(raw: str, expected: str) -> None:
    assert safe_file_name(raw) == expected


def test_a_300_byte_name_is_cut_to_200_bytes_keeping_its_extension() -> None:
    name = safe_file_name("é" * 150 + ".pdf")  # 304 bytes of UTF-8
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name.endswith(".pdf")
    name.encode().decode()  # never cut inside a character


def test_numbered_names_keep_the_extension_and_the_limit() -> None:
    assert numbered("report.pdf", 1) == "report.pdf"
    assert numbered("report.pdf", 2) == "report (2).pdf"
    assert numbered("archive", 3) == "archive (3)"
    long = safe_file_name("x" * 300 + ".pdf")
    assert len(numbered(long, 12).encode()) <= MAX_NAME_BYTES
    assert numbered(long, 12).endswith(" (12).pdf")


def test_content_disposition_forms() -> None:
    assert name_from_content_disposition('attachment; filename="a b.pdf"') == "a b.pdf"
    assert name_from_content_disposition("attachment; filename=plain.pdf") == "plain.pdf"
    assert name_from_content_disposition("attachment; filename*=UTF-8''caf%C3%A9.pdf; filename=\"cafe.pdf\"") == (
        "café.pdf"
    )
    assert name_from_content_disposition('inline; filename="q\\"uote.pdf"') == 'q"uote.pdf'
    assert name_from_content_disposition("inline") is None
    assert name_from_content_disposition(None) is None


def test_url_names() -> None:
    assert name_from_url("https://s3.example/bucket/ABC/out%20put.pdf?X-Amz-Expires=3600") == "out put.pdf"
    assert name_from_url("https://example.com/folder/") is None
    assert result_file_name(None, "https://example.com/", fallback="JOB1") == "JOB1"
    assert result_file_name('attachment; filename="../../.x"', "https://e.com/a.pdf") == "x"
    assert result_file_name('attachment; filename="..."', "https://e.com/a%2F..%2Fb.pdf") == "b.pdf"
