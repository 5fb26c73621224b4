"""Links: only http(s) result links are stored or opened; base URLs must be http(s); plain http to another machine is
warned about."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import Account, JobState, KeySource, Status
from desktop_app.core.urls import insecure_base_url_warning, is_openable_link, validate_base_url
from desktop_app.store.database import Store
from tests.conftest import subprocess_env

GOOD = [
    "http://example.com",
    "https://example.com/a/b?c=d#e",
    "HTTPS://EXAMPLE.COM/x",
    "HtTp://127.0.0.1:8080/files/x.json",
    "https://pdf-temp-files.s3.amazonaws.com/ABC/out.json?X-Amz-Expires=3600&X-Amz-Signature=0a1b",
    "https://[::1]:443/x",
    "https://bücher.example/x",
]
BAD = [
    None,
    "",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\x00script:alert(1)",
    "\x01https://example.com",
    "https://example.com\x00.evil",
    " https://example.com",
    "https://example.com ",
    "https://exa mple.com/",
    "https://example.com/\u202egpj.exe",  # right-to-left override
    "https://exam\u200bple.com/",  # zero-width space
    "https://example.com/\u2028x",
    "file:///etc/passwd",
    "FILE:///C:/Windows/win.ini",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://example.com/x",
    "smb://host/share",
    "//example.com/x",
    "/relative/path",
    "example.com",
    "http://",
    "https:///path-only",
    "http:example.com",
    "http:\\\\evil.com\\x",
    "https://[::1",
    "https://example.com:99999/",
    "https://example.com:port/",
    "https://" + "a" * 9000 + ".com",
]


@pytest.mark.parametrize("url", GOOD)
def test_http_and_https_links_are_openable(url: str) -> None:
    assert is_openable_link(url)


@pytest.mark.parametrize("url", BAD, ids=repr)
def test_everything_else_is_not(url: str | None) -> None:
    assert not is_openable_link(url)


JOBTRAY = (sys.executable, "-m", "desktop_app")
_HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=120),
        st.builds(
            lambda scheme, sep, rest: scheme + sep + rest,
            st.sampled_from(["http", "https", "HTTP", "javascript", "file", "data", "JavaScript", " http", "ht\ttp"]),
            st.sampled_from([":", "://", ":/", ":\\\\", "://\x00"]),
            st.text(max_size=80),
        ),
    )
)
def test_an_openable_link_is_always_plain_http_with_a_host(url: str) -> None:
    if not is_openable_link(url):
        return
    parts = urlsplit(url)
    assert url.lower().startswith(("http://", "https://"))
    assert parts.scheme in ("http", "https") and parts.hostname
    assert not any(c.isspace() or unicodedata.category(c) in _HIDDEN for c in url)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_validate_base_url_raises_only_config_errors(text: str) -> None:
    try:
        url = validate_base_url(text)
    except ConfigError:
        return
    parts = urlsplit(url)
    assert parts.scheme.lower() in ("http", "https") and parts.hostname and not url.endswith("/")
    assert not (parts.username or parts.password or parts.query or parts.fragment)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com",
        "javascript:alert(1)",
        "file:///tmp",
        "data:,x",
        "example.com",
        "http://",
        "https://user:pw@example.com",
        "https://example.com/?key=1",
        "https://example.com/#x",
        "https://exa mple.com",
        "https://example.com\x00",
        "https://example.com:99999",
        "https://[::1",
    ],
)
def test_bad_base_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        validate_base_url(url)


def test_a_good_base_url_loses_its_trailing_slash() -> None:
    assert validate_base_url("  HTTPS://api.pdf.co/  ") == "HTTPS://api.pdf.co"


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://example.com", True),
        ("HTTP://10.0.0.5:8080", True),
        ("http://127.0.0.1:9000", False),
        ("http://127.8.9.10", False),
        ("http://localhost:8000", False),
        ("http://LOCALHOST", False),
        ("http://[::1]:8000", False),
        ("https://example.com", False),
    ],
)
def test_plain_http_to_another_machine_is_warned_about(url: str, warned: bool) -> None:
    assert (insecure_base_url_warning(url) is not None) == warned


def _account_add(base_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*JOBTRAY, "account", "add", "a", "--provider", "pdfco", "--base-url", base_url, "--key-env", "SOME_KEY"],
        capture_output=True,
        text=True,
        env=subprocess_env(SOME_KEY="set"),  # set: the only warning is the one about the link
        timeout=60,
    )


def test_the_cli_warns_about_plain_http_to_another_machine(data_dir: Path) -> None:
    result = _account_add("http://pdf.example.com")
    assert result.returncode == 0, result.stderr
    assert "warning" in result.stderr and "plain http" in result.stderr and result.stderr.count("\n") == 1


def test_the_cli_does_not_warn_for_loopback(data_dir: Path) -> None:
    result = _account_add("http://127.0.0.1:8080")
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.parametrize("link", ["javascript:alert(1)", "file:///etc/passwd", " https://x.example/a", "data:,x"])
def test_the_store_never_keeps_a_link_that_is_not_http(store: Store, link: str) -> None:
    account = store.accounts.add(Account(name="a", provider="pdfco", key_source=KeySource.ENV, key_env="K"))
    job, _ = store.jobs.add(account, "A" * 32)
    store.jobs.record_status(job.id, Status(job.job_id, JobState.SUCCEEDED, "success", 100.0, None, link))
    assert store.jobs.get(job.id).result_url is None
    good = "https://x.example/out.pdf"
    store.jobs.record_status(job.id, Status(job.job_id, JobState.SUCCEEDED, "success", 100.0, None, good))
    assert store.jobs.get(job.id).result_url == good
