"""Saving results over real HTTP: an S3 stand-in that refuses credential headers, hostile names, the cap, expired
links, resets, a full disk, a trickle, the same name twice. Nothing half-written ever stays behind."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.model import Secret
from desktop_app.engine.downloads import Download, DownloadRequest, download, origin
from desktop_app.simulators.objects import ObjectStoreServer
from desktop_app.simulators.server import SimRequest, SimResponse, SimulatorServer

KEY = "test-download-key-9a8b7c"
BODY = bytes(range(256)) * 64  # 16 KB, every byte value


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The download folder (tmp_path also holds the test's HOME)."""
    return tmp_path / "out"


@pytest.fixture
def s3() -> Iterator[ObjectStoreServer]:
    with ObjectStoreServer() as server:
        yield server


def _request(url: str, folder: Path, **options: object) -> DownloadRequest:
    values: dict[str, object] = {"reserve_bytes": 0, **options}
    return DownloadRequest(row_id=1, account="acme", job_id="JOB1", url=url, folder=str(folder), **values)  # type: ignore[arg-type]


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_result_on_s3_is_saved_with_its_bytes_and_no_key(s3: ObjectStoreServer, out: Path) -> None:
    url = s3.put("ABC/report.pdf", BODY)
    request = _request(url, out, credentials=(("x-api-key", Secret(KEY)),), credential_origin="https://api.pdf.co")
    assert KEY not in repr(request)
    outcome = download(request)
    assert outcome.ok, outcome.error
    assert outcome.path == str(out / "report.pdf")
    assert (out / "report.pdf").read_bytes() == BODY
    assert s3.credentials_seen == 0
    assert all("x-api-key" not in seen.header_names for seen in s3.seen)
    assert _files(out) == ["report.pdf"]


def test_credentials_go_to_the_providers_own_host_only_and_never_along_a_redirect(
    s3: ObjectStoreServer, out: Path
) -> None:
    s3_url = s3.put("ABC/out.pdf", BODY)
    seen: list[str | None] = []

    def own_host(request: SimRequest) -> SimResponse:
        seen.append(request.header("x-api-key"))
        if request.path == "/redirect":
            return SimResponse(302, b"", "text/plain", {"Location": s3_url})
        return SimResponse(200, b"own", "application/pdf")

    with SimulatorServer(own_host) as provider:
        credentials = (("x-api-key", Secret(KEY)),)
        direct = download(
            _request(
                f"{provider.base_url}/file.pdf",
                out / "a",
                credentials=credentials,
                credential_origin=provider.base_url + "/",
            )
        )
        redirected = download(
            _request(
                f"{provider.base_url}/redirect", out / "b", credentials=credentials, credential_origin=provider.base_url
            )
        )
    assert direct.ok and redirected.ok, (direct.error, redirected.error)
    assert seen == [KEY, KEY]  # the provider's own origin gets its key ...
    assert s3.credentials_seen == 0  # ... the redirect target never does
    assert (out / "b" / "out.pdf").read_bytes() == BODY


def test_origin_compares_scheme_host_and_port() -> None:
    assert origin("https://API.pdf.co/v1") == origin("https://api.pdf.co:443/x")
    assert origin("http://api.pdf.co") != origin("https://api.pdf.co")
    assert origin("https://api.pdf.co.evil.example") != origin("https://api.pdf.co")
    assert origin("ftp://api.pdf.co") is None


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ('attachment; filename="../../x"', "x"),
        ('attachment; filename=".bashrc"', "bashrc"),
        ('attachment; filename="a\tb\x01c.pdf"', "a_b_c.pdf"),
        ("attachment; filename*=UTF-8''a%00b%1B%5B2J%0Ac.pdf", "a_b_[2J_c.pdf"),
        (f'attachment; filename="{"n" * 300}.pdf"', "n" * 196 + ".pdf"),
    ],
)
def test_hostile_names_create_one_file_inside_the_folder(
    s3: ObjectStoreServer, out: Path, disposition: str, expected: str
) -> None:
    folder = out / "a" / "results"
    url = s3.put("ABC/ignored.bin", BODY, content_disposition=disposition)
    outcome = download(_request(url, folder))
    assert outcome.ok, outcome.error
    assert _files(folder) == [expected]
    assert _files(out / "a") == ["results"]  # nothing climbed out of the folder
    assert _files(out) == ["a"]
    assert len(expected.encode()) <= 200


def test_the_same_name_twice_gets_a_number(s3: ObjectStoreServer, out: Path) -> None:
    url = s3.put("ABC/result.pdf", BODY)
    first = download(_request(url, out))
    second = download(_request(url, out))
    third = download(_request(url, out))
    assert [Path(o.path or "").name for o in (first, second, third)] == [
        "result.pdf",
        "result (2).pdf",
        "result (3).pdf",
    ]


def test_a_result_over_the_cap_stays_a_link(s3: ObjectStoreServer, out: Path) -> None:
    declared = download(_request(s3.put("ABC/big.bin", BODY), out, max_bytes=1000))
    assert not declared.ok and declared.too_large
    assert "cap" in (declared.error or "")
    streamed = download(_request(s3.put("ABC/big2.bin", BODY, mode="no_length"), out, max_bytes=1000))
    assert not streamed.ok and streamed.too_large
    assert _files(out) == []


def test_an_expired_link_is_told_as_such(s3: ObjectStoreServer, out: Path) -> None:
    url = s3.put("ABC/old.pdf", BODY)
    s3.expire("ABC/old.pdf")
    outcome = download(_request(url, out))
    assert not outcome.ok
    assert "HTTP 403" in (outcome.error or "") and "expired" in (outcome.error or "")
    assert _files(out) == []


def test_a_reset_mid_download_leaves_no_partial_file(s3: ObjectStoreServer, out: Path) -> None:
    outcome = download(_request(s3.put("ABC/reset.pdf", BODY * 8, mode="reset"), out))
    assert not outcome.ok
    assert "partial file was removed" in (outcome.error or "")
    assert _files(out) == []


def test_a_body_without_length_is_saved_whole(s3: ObjectStoreServer, out: Path) -> None:
    outcome = download(_request(s3.put("ABC/stream.bin", BODY, mode="no_length"), out))
    assert outcome.ok, outcome.error
    assert (out / "stream.bin").read_bytes() == BODY


def test_a_trickle_ends_at_the_whole_download_deadline(s3: ObjectStoreServer, out: Path) -> None:
    url = s3.put("ABC/slow.bin", b"x" * 100, mode="trickle")
    outcome = download(_request(url, out, deadline=0.6))  # the trickle would take 20 s
    assert not outcome.ok and "did not complete within 0.6 s" in (outcome.error or "")
    assert _files(out) == []


def test_abandon_stops_a_download_in_flight(s3: ObjectStoreServer, out: Path) -> None:
    import threading

    job = Download(_request(s3.put("ABC/slow.bin", b"x" * 100, mode="trickle"), out))
    threading.Timer(0.4, job.abandon).start()
    outcome = job.run()  # ended by abandon: the trickle would take 20 s
    assert not outcome.ok and outcome.error == "the download was stopped"
    assert _files(out) == []


def test_only_http_links_are_fetched(out: Path) -> None:
    outcome = download(_request("file:///etc/passwd", out))
    assert not outcome.ok and "not an http or https link" in (outcome.error or "")


def test_progress_is_reported(s3: ObjectStoreServer, out: Path) -> None:
    reports: list[tuple[int, int | None]] = []
    outcome = download(_request(s3.put("ABC/p.bin", BODY), out), lambda got, total: reports.append((got, total)))
    assert outcome.ok
    assert reports[-1] == (len(BODY), len(BODY))


def test_too_little_free_space_is_refused_before_writing(s3: ObjectStoreServer, out: Path) -> None:
    url = s3.put("ABC/r.bin", BODY)
    outcome = Download(_request(url, out), free_space=lambda _folder: 1000).run()
    assert not outcome.ok and "not enough free space" in (outcome.error or "")
    assert _files(out) == []


@contextlib.contextmanager
def _small_disk(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_disk_that_fills_up_during_the_download(s3: ObjectStoreServer, out: Path) -> None:
    out.mkdir()
    with _small_disk(out / "disk", "256k") as disk:
        # No Content-Length: the check before cannot know; the write that finds the disk full must.
        url = s3.put("ABC/huge.bin", os.urandom(1024 * 1024), mode="no_length")
        outcome = download(_request(url, disk))
        assert not outcome.ok
        assert "is full" in (outcome.error or ""), outcome.error
        assert _files(disk) == []
        declared = download(_request(s3.put("ABC/huge2.bin", os.urandom(1024 * 1024)), disk))
        assert not declared.ok and "not enough free space" in (declared.error or "")
        assert _files(disk) == []
