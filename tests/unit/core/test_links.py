"""`jobtray://watch?...` links: what a good one carries, and every hostile form refused with one line."""

from __future__ import annotations

import pytest

from desktop_app.core.links import MAX_LINK_LENGTH, LinkError, WatchLink, parse_link


def test_a_good_link() -> None:
    link = (
        "jobtray://watch?provider=pdfco&id=6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300&label=Invoice%20May&account=pdfs"
    )
    assert parse_link(link) == WatchLink("pdfco", "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300", "Invoice May", "pdfs")
    assert parse_link("jobtray://watch/?provider=encodingcom&id=5220424") == WatchLink("encodingcom", "5220424")


@pytest.mark.parametrize(
    ("link", "why"),
    [
        ("jobtray://watch?provider=pdfco&id=" + "A" * MAX_LINK_LENGTH, "longer than"),
        ("jobtray://watch?provider=pdfco&id=AB\x07", "control characters"),
        ("jobtray://watch?provider=pdfco&id=AB%0Aevil", "control characters"),
        ("jobtray://watch?provider=pdfco&id=AB%E2%80%AE", "control characters"),
        ("jobtray://watch?provider=pdfco&id=A&id=B", "twice"),
        ("jobtray://watch?provider=pdfco", "no job id"),
        ("jobtray://watch?id=A", "no provider"),
        ("jobtray://delete?provider=pdfco&id=A", "does not ask to watch"),
        ("https://watch?provider=pdfco&id=A", "not a jobtray"),
        ("jobtray://watch?provider=pdfco&id=A&exec=rm", "does not know"),
        ("jobtray://watch?provider=pdfco&id=A%FF", "cannot be read"),
        ("jobtray://watch?provider=pdfco&id=A#x", "fragment"),
    ],
)
def test_hostile_links_are_refused(link: str, why: str) -> None:
    with pytest.raises(LinkError, match=why) as caught:
        parse_link(link)
    assert "\n" not in str(caught.value)
