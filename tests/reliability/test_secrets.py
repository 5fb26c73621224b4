"""Credentials: no redirect followed with a key attached, no key in a URL, an exception, a log line, the database or
any file a whole CLI session wrote."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import requests

from desktop_app.core.errors import JobTrayError
from desktop_app.simulators.server import SimRequest, SimResponse
from desktop_app.system.logs import RedactingFilter, redact, register_secret
from tests.conftest import subprocess_env
from tests.reliability.conftest import other_host_url
from tests.support.fault_server import Fault, FaultServer, RecordingServer
from tests.support.providers import PROVIDER_NAMES, Harness, make_harness


def secret_forms(secret: str) -> list[bytes]:
    """The ways a secret could be written: as is, URL-quoted, and inside an HTTP Basic header."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    out = [f.encode() for f in forms]
    out.append(base64.b64encode(f"{secret}:".encode()).rstrip(b"="))
    return out


def assert_no_secret(blob: bytes | str, secrets: list[str], where: str) -> None:
    data = blob.encode() if isinstance(blob, str) else blob
    for secret in secrets:
        for form in secret_forms(secret):
            assert form not in data, f"a secret ({secret[:4]}…) appears in {where}"


# ---- redirects --------------------------------------------------------------------------------------------------


def test_requests_alone_would_carry_a_custom_key_header_across_hosts(other_host: RecordingServer) -> None:
    """Why the transport refuses redirects: requests strips Authorization on a new host, but not x-api-key."""
    with FaultServer() as origin:
        origin.inject(Fault.redirect(other_host_url(other_host), 307))
        requests.post(origin.base_url + "/v1/job/check", headers={"x-api-key": "leaked-key"}, timeout=2)
    (received,) = other_host.requests
    assert received.headers.get("x-api-key") == "leaked-key"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_no_provider_follows_a_redirect(
    harness: Harness, faults: FaultServer, other_host: RecordingServer, status: int
) -> None:
    faults.inject(Fault.redirect(other_host_url(other_host), status))
    client = harness.client(faults.base_url)
    try:
        with pytest.raises(JobTrayError, match="redirect") as caught:
            client.check([harness.open_job])
    finally:
        client.close()
    assert faults.request_count == 1
    assert other_host.request_count == 0
    assert_no_secret(str(caught.value), [harness.secret], "the redirect error")


# ---- URLs and exception text ------------------------------------------------------------------------------------


def test_the_key_never_travels_in_a_url(harness: Harness, faults: FaultServer) -> None:
    client = harness.client(faults.base_url)
    try:
        for _ in range(harness.finishes_after_checks or 2):
            client.check([harness.open_job])
    finally:
        client.close()
    assert faults.requests
    for request in faults.requests:
        assert_no_secret(request.target, [harness.secret], f"the URL {request.method} {request.target[:40]}")
        # ... while it does travel somewhere (a header or the body): the test would be empty otherwise.
        assert any(form in request.as_bytes() for form in secret_forms(harness.secret))


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 500])
def test_a_server_echoing_the_key_does_not_put_it_in_our_errors(
    harness: Harness, faults: FaultServer, status: int
) -> None:
    """Servers quote what they were sent ("invalid key abc123"): our exception text must not repeat it."""
    echo = f"invalid key {harness.secret} for user"
    bodies = [
        json.dumps({"error": True, "status": "error", "message": echo, "Message": echo}).encode(),
        json.dumps(echo).encode(),
        f"<result><code>ERROR</code><message>{echo}</message></result>".encode(),
        f"<response><errors><error>{echo}</error></errors></response>".encode(),
        f"<response><status>Error</status><description>{echo}</description></response>".encode(),
    ]
    client = harness.client(faults.base_url)
    try:
        for body in bodies:
            content_type = "text/xml" if body.startswith(b"<") else "application/json"
            faults.inject(Fault.http(status, body, content_type), times=1)
            try:
                statuses = client.check([harness.open_job])
            except JobTrayError as exc:
                assert_no_secret(str(exc), [harness.secret], f"the error for HTTP {status} {body[:30]!r}")
            else:
                for s in statuses:
                    assert_no_secret(repr(s), [harness.secret], f"a Status for HTTP {status} {body[:30]!r}")
    finally:
        client.close()


def test_provider_reprs_hide_the_key(harness: Harness) -> None:
    client = harness.client("http://127.0.0.1:9")
    try:
        assert_no_secret(repr(client) + repr(client.config) + str(client.config), [harness.secret], "a repr")
    finally:
        client.close()


# ---- the logging filter -----------------------------------------------------------------------------------------


@pytest.fixture
def redacting_logger(tmp_path: Path) -> Iterator[tuple[logging.Logger, Path]]:
    path = tmp_path / "test.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("jobtray.test.redaction")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield logger, path
    finally:
        logger.removeHandler(handler)
        handler.close()


def test_redaction_of_messages_args_and_tracebacks(redacting_logger: tuple[logging.Logger, Path]) -> None:
    logger, path = redacting_logger
    secret, longer = "s3cr3t-value-alpha", "s3cr3t-value-alpha-and-more"
    register_secret(secret)
    register_secret(longer)
    register_secret("abc")  # too short to register: it would blank ordinary words
    logger.info("plain %s", secret)
    logger.info("dict %(k)s", {"k": secret})
    logger.warning("longer first: %s", longer)
    logger.info(f"pre-formatted {secret}")
    try:
        raise RuntimeError(f"failed with key={secret}")
    except RuntimeError:
        logger.exception("while checking %s", "job")
    try:
        try:
            raise ValueError(secret)
        except ValueError as inner:
            raise JobTrayError("outer") from inner
    except JobTrayError:
        logger.error("chained", exc_info=True)
    text = path.read_text(encoding="utf-8")
    assert secret not in text and "alpha" not in text
    assert text.count("***") >= 6
    assert "Traceback (most recent call last)" in text and "RuntimeError: failed with key=***" in text
    assert "ValueError: ***" in text
    assert "abc" not in redact("xyz") and redact("abcdef") == "abcdef"


def test_redaction_survives_two_handlers_and_a_preformatted_exc_text(tmp_path: Path) -> None:
    secret = "second-handler-secret-42"
    register_secret(secret)
    paths = [tmp_path / "a.log", tmp_path / "b.log"]
    logger = logging.getLogger("jobtray.test.twohandlers")
    logger.propagate = False
    handlers = [logging.FileHandler(p, encoding="utf-8") for p in paths]
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        logger.addHandler(handler)
    try:
        try:
            raise OSError(f"cannot open {secret}")
        except OSError:
            record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "x %s", (secret,), sys.exc_info())
            record.exc_text = f"Traceback: {secret}"  # an earlier formatter already rendered it
            logger.handle(record)
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert secret not in text and "x ***" in text


# ---- a whole CLI session, every byte it wrote ---------------------------------------------------------------------


def _jobtray(*args: str, stdin: str | None = None, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", *args], input=stdin, capture_output=True, text=True, env=env, timeout=90
    )


@pytest.mark.slow
def test_a_whole_cli_session_leaves_no_secret_anywhere(tmp_path: Path, data_dir: Path) -> None:
    env = subprocess_env()
    harnesses = [make_harness(p) for p in PROVIDER_NAMES]
    servers = [FaultServer(h.handler).start() for h in harnesses]
    wrong_key = "WRONG-key-that-must-not-leak-6b2f"
    secrets = [h.secret for h in harnesses] + [wrong_key]
    outputs: list[str] = []

    def run(*args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = _jobtray(*args, stdin=stdin, env=env)
        outputs.extend([result.stdout, result.stderr])
        if ok:
            assert result.returncode == 0, (args, result.stderr)
        return result

    try:
        for harness, server in zip(harnesses, servers, strict=True):
            user = ["--username", harness.username] if harness.username else []
            name = harness.provider
            run("account", "add", name, "--provider", name, "--base-url", server.base_url, *user,
                "--rate-limit", "100/s", "--key-stdin", stdin=harness.secret + "\n")  # fmt: skip
            run("add", "--account", name, "--label", f"{name} job", harness.open_job)
        bad = harnesses[0]
        bad_server = FaultServer(bad.handler).start()
        servers.append(bad_server)
        run("account", "add", "wrong", "--provider", bad.provider, "--base-url", bad_server.base_url,
            "--key-stdin", stdin=wrong_key + "\n")  # fmt: skip
        run("add", "--account", "wrong", bad.open_job)
        run("--debug", "poll", ok=False)  # the wrong key fails: exit 2, one line
        servers[1].inject(Fault.http(500, b"oops", "text/plain"), times=1)
        run("poll", ok=False)
        run("account", "remove", "wrong")
        run("--debug", "watch", "--timeout", "60")
        run("list")
        run("list", "--json", "--all")
        run("account", "list", "--json")
        for harness in harnesses:
            run("history", harness.open_job, "--json")
        run("archive", "--finished")
    finally:
        for server in servers:
            server.stop()
        for harness in harnesses:
            harness.close()

    assert_no_secret("\n".join(outputs), secrets, "the CLI's stdout or stderr")
    home = Path(env["HOME"])
    keyring_files = {p for p in home.rglob("*") if "keyring" in p.name.lower()}
    scanned = 0
    for root in (data_dir, home, Path(env["XDG_STATE_HOME"]), Path(env["XDG_CONFIG_HOME"])):
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if path.is_file() and path not in keyring_files:
                assert_no_secret(path.read_bytes(), secrets, str(path))
                scanned += 1
    assert (data_dir / "jobtray.sqlite3").exists() and scanned >= 1
    assert keyring_files, "the test keyring should hold the keys (otherwise the scan proves nothing)"
    for server in servers:
        for request in server.requests:
            assert_no_secret(request.target, secrets, "a request URL")


def test_the_echo_handler_helper() -> None:
    """The echo body builder above relies on SimResponse passing bytes through untouched."""
    response = SimResponse(401, b"x", "text/plain")
    assert response.body == b"x" and isinstance(SimRequest, type)
