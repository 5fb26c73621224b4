"""Input from people: drops and pastes bounded in size, IDs validated by pattern before use, and every ID
form-encoded or path-quoted on the wire, so that no ID can change the request's path, query or document."""

from __future__ import annotations

import io
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from desktop_app.cli import commands as cli
from desktop_app.core import ids
from desktop_app.core.errors import ConfigError, JobTrayError
from desktop_app.core.model import Account, KeySource
from desktop_app.providers.registry import ID_SPECS
from tests.support.fault_server import FaultServer, RecordedRequest
from tests.support.providers import PROVIDER_NAMES, Harness

SPECIALS = ["/", "?", "#", "<", "&", "%2F", "%", "..", " ", "\n", '"', "'", "]]>", "+", "="]
NASTY = ["a/b", "x?y=1", "x#frag", "<a>&amp;</a>", "%2F..%2Fetc", "../../admin", "a&jobid=other", "]]><x/>"]


def _xml_texts(text: str) -> set[str]:
    try:
        root = ET.fromstring(text)  # noqa: S314 - the request we built ourselves, in a test
    except ET.ParseError:
        return set()
    return {(e.text or "").strip() for e in root.iter()}


def delivered_values(request: RecordedRequest) -> set[str]:
    """Every value the server can read out of a request, decoded exactly once as a server would."""
    parts = urlsplit(request.target)
    values = {unquote(segment) for segment in parts.path.split("/")}
    values |= {v for vs in parse_qs(parts.query).values() for v in vs}
    body = request.body.decode("utf-8", errors="replace")
    try:
        decoded = json.loads(body)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict):
        values |= {str(v) for v in decoded.values()}
    for field_values in parse_qs(body, keep_blank_values=True).values():
        for value in field_values:
            values.add(value)
            values |= _xml_texts(value)
            values |= {piece for text in _xml_texts(value) for piece in text.split(",")}
    values |= _xml_texts(body)
    return values


def _baseline(harness: Harness, faults: FaultServer) -> RecordedRequest:
    client = harness.client(faults.base_url)
    try:
        client.check([harness.open_job])
    finally:
        client.close()
    return faults.requests[-1]


def _send(harness: Harness, faults: FaultServer, job_id: str) -> RecordedRequest:
    client = harness.client(faults.base_url)
    try:
        client.check([job_id])
    except JobTrayError:
        pass  # the simulator may not know it: only the request matters here
    finally:
        client.close()
    return faults.requests[-1]


def _assert_arrives_intact(job_id: str, baseline: RecordedRequest, request: RecordedRequest) -> None:
    sent, base = urlsplit(request.target), urlsplit(baseline.target)
    assert sent.query == base.query and not sent.fragment, f"{job_id!r} changed the query: {request.target}"
    assert sent.path.count("/") == base.path.count("/"), f"{job_id!r} changed the path: {request.target}"
    assert job_id in delivered_values(request), f"{job_id!r} did not arrive as given: {request.target} {request.body!r}"
    for raw in ("<", "#", "?", " ", "\n"):
        assert raw not in request.target, f"a raw {raw!r} in {request.target!r}"


def test_ids_that_pass_validation_arrive_exactly_and_do_not_change_the_path(
    harness: Harness, faults: FaultServer
) -> None:
    baseline = _baseline(harness, faults)
    for special in SPECIALS:
        for raw in (harness.open_job + special, special + harness.open_job, harness.open_job[:8] + special + "x"):
            job_id = ids.normalize_id(ID_SPECS[harness.provider], raw)
            if job_id is None:
                continue  # rejected before use: fine
            _assert_arrives_intact(job_id, baseline, _send(harness, faults, job_id))


def test_even_unvalidated_ids_are_quoted_on_the_wire(harness: Harness, faults: FaultServer) -> None:
    """Defence in depth: should an unchecked ID reach a provider, it still cannot change the request."""
    baseline = _baseline(harness, faults)
    for job_id in NASTY + [harness.open_job + s for s in SPECIALS if s.strip() and s != ","]:
        if harness.provider == "encodingcom" and "," in job_id:
            continue  # the batch separator: IDs are integers there, see the validation test
        _assert_arrives_intact(job_id, baseline, _send(harness, faults, job_id))


@pytest.mark.parametrize("provider", PROVIDER_NAMES)
@pytest.mark.parametrize("raw", [*NASTY, "", " ", "a" * 300, "1,2", "{}", "a\x1b[2Jb", "x\u202ey"])
def test_resolve_ids_with_an_account_takes_a_token_as_given_or_refuses_it_in_one_line(provider: str, raw: str) -> None:
    """Issue 11: with --account a single token is the job ID as given (a vendor's next ID format must not be
    refused); only what cannot be sent safely is refused (empty, whitespace or controls inside, over 200 chars)."""
    account = Account(name="a", provider=provider, key_source=KeySource.ENV, key_env="K", id=1)
    spec = ID_SPECS[provider]
    warnings: list[str] = []
    try:
        pairs = cli.resolve_ids([account], [raw], "a", warnings)
    except ConfigError as exc:
        assert ids.unsendable_reason(spec, raw.strip()) is not None or not ids.is_single_token(raw), raw
        assert len(str(exc)) < 300 and str(exc).isprintable()  # one short line, nothing raw from the paste
        return
    assert ids.is_single_token(raw)
    assert ids.unsendable_reason(spec, raw.strip()) is None
    [(_, job_id)] = pairs
    documented = ids.normalize_id(spec, raw)
    assert job_id == (documented if documented is not None else raw.strip())  # as given (iPaper drops braces)
    if documented is None:
        assert len(warnings) == 1 and "added as given" in warnings[0]  # an undocumented form: added, one warning


# ---- size bounds ------------------------------------------------------------------------------------------------


def test_a_huge_paste_is_truncated_before_it_is_searched() -> None:
    job = "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA"
    text = "z" * ids.MAX_TEXT + " " + job
    started = time.monotonic()
    assert ids.extract_ids(ID_SPECS["pdfco"], text) == []  # beyond MAX_TEXT: never looked at
    assert ids.extract_ids(ID_SPECS["pdfco"], job + " " + "z" * (50 * 1024 * 1024)) == [job]
    assert time.monotonic() - started < 5


def test_the_cli_add_with_a_huge_argument_is_one_short_error(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K", "set")  # set: the account is added without a warning about it
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["account", "add", "a", "--provider", "pdfco", "--key-env", "K"], out=out, err=err) == 0
    code = cli.main(["add", "--account", "a", "q" * (5 * 1024 * 1024)], out=out, err=err)
    assert code == cli.EXIT_ERROR
    assert err.getvalue().count("\n") == 1 and len(err.getvalue()) < 300
