"""core/urls.py: a link that carries credentials is never openable: never kept, shown, logged or opened (issue 20)."""

from __future__ import annotations

import pytest

from desktop_app.core.urls import has_credentials, is_openable_link


@pytest.mark.parametrize(
    "url",
    [
        "http://USER:PASSWORD@host.example/x.pdf",
        "https://user@host.example/x.pdf",
        "https://:secret@host.example/",
        "HTTPS://a:b@[::1]:8443/x",
        "https://host.example@evil.example/x",
    ],
)
def test_a_link_with_credentials_is_not_openable(url: str) -> None:
    assert has_credentials(url)
    assert not is_openable_link(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://pdf-temp-files.s3.us-west-2.amazonaws.com/ABC/result.json?X-Amz-Expires=3600&X-Amz-Signature=ab",
        "https://host.example/path/with@sign.pdf",
        "https://host.example/x?mail=a@b.example",
    ],
)
def test_an_at_sign_outside_the_authority_is_fine(url: str) -> None:
    assert not has_credentials(url)
    assert is_openable_link(url)
