"""Hostile answers: XML bombs and external entities, DTDs, malformed and mistyped documents, absurd values.

No crash, no local file read, no network fetch, bounded memory; a clear ProtocolError. Property tests drive every
public `parse_*` function of every registered provider (found by introspection, so new providers are covered) and
the ID extraction: nothing but core.errors types may escape.
"""

from __future__ import annotations

import inspect
import json
import math
import sys
import time
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.core import ids
from desktop_app.core.errors import JobTrayError, ProtocolError
from desktop_app.core.model import Status
from desktop_app.core.urls import is_openable_link
from desktop_app.providers.registry import ID_SPECS, PROVIDERS
from tests.support.fault_server import Fault, FaultServer, RecordingServer
from tests.support.providers import Harness

FIXTURES = Path(__file__).parents[1] / "fixtures"
JOB_IDS = {
    "pdfco": "6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA--151-300",
    "ipaper": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "scriptx": "8c72a9871ba64c4ba507b4392c1ce0b9",
    "encodingcom": "5220424",
}
HOSTILE_NUMBERS: list[Any] = [1e308, -1e308, math.inf, -math.inf, math.nan, -1, -0.0, 101, 10**400, 2**63, 0]
HOSTILE_TEXT = [
    "1e308",
    "-1e308",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "-5",
    "100000",
    "0000-00-00 00:00:00",
    "0000-01-01T00:00:00Z",
    "9999-99-99 99:99:99",
    "",
    " ",
    "\x00",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "x" * 10_000,
    "%s%n{0}",
    "\u202e\u0000\ud7ff",
]


# ---- discovery --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParseFunction:
    provider: str
    name: str
    func: Callable[..., Any]

    def __str__(self) -> str:
        return f"{self.provider}.{self.name}"

    @property
    def params(self) -> list[inspect.Parameter]:
        return list(inspect.signature(self.func).parameters.values())

    @property
    def wants_raw_body(self) -> bool:
        """True when the function takes the undecoded answer (bytes or str), as the XML providers do."""
        return any("bytes" in str(p.annotation) for p in self.params)


def discover_parse_functions() -> list[ParseFunction]:
    found: list[ParseFunction] = []
    for name, cls in sorted(PROVIDERS.items()):
        module = sys.modules[cls.__module__]
        for attr, value in sorted(vars(module).items()):
            if attr.startswith("parse_") and inspect.isfunction(value) and value.__module__ == module.__name__:
                found.append(ParseFunction(name, attr, value))
    return found


PARSE_FUNCTIONS = discover_parse_functions()


def test_every_provider_has_a_parse_function() -> None:
    assert {f.provider for f in PARSE_FUNCTIONS} == set(PROVIDERS)


def call(parse: ParseFunction, body: Any) -> list[Status]:
    """Call `parse` with `body` for its body parameter and plausible values for the others; the Statuses out."""
    job_id = JOB_IDS.get(parse.provider, "job-1")
    args: list[Any] = []
    body_used = False
    for param in parse.params:
        annotation = str(param.annotation)
        if param.name in ("job_id", "token", "media_id"):
            args.append(job_id)
        elif "Sequence" in annotation or param.name in ("asked", "job_ids"):
            args.append([job_id])
        elif not body_used:
            args.append(body)
            body_used = True
        elif param.default is not inspect.Parameter.empty:
            break
        else:
            args.append("http://127.0.0.1:9")  # a server or base URL
    result = parse.func(*args)
    return list(_statuses(result))


def _statuses(result: Any) -> Iterator[Status]:
    if isinstance(result, Status):
        yield result
    elif isinstance(result, dict):
        for value in result.values():
            yield from _statuses(value)
    elif isinstance(result, list | tuple):
        for value in result:
            yield from _statuses(value)


def assert_sane(statuses: list[Status]) -> None:
    for status in statuses:
        assert status.progress is None or (math.isfinite(status.progress) and 0 <= status.progress <= 100), status
        assert status.eta_seconds is None or (math.isfinite(status.eta_seconds) and status.eta_seconds >= 0), status
        assert status.result_url is None or is_openable_link(status.result_url), status
        for text in (status.provider_status, status.message or "", status.result_url or ""):
            assert len(text) <= 10_000


def parse_safely(parse: ParseFunction, body: Any) -> list[Status]:
    """Only core.errors may escape a parse function: anything else fails the test."""
    try:
        statuses = call(parse, body)
    except JobTrayError:
        return []
    assert_sane(statuses)
    return statuses


# ---- fixtures of each provider, and ways to spoil them -----------------------------------------------------------


def _fixture_files(provider: str, suffix: str) -> list[Path]:
    return sorted((FIXTURES / provider).glob(f"*{suffix}"))


def _json_fixtures(provider: str) -> list[Any]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in _fixture_files(provider, ".json")]


def _xml_fixtures(provider: str) -> list[str]:
    """The provider's well-formed XML samples (docs templates with `[a|b]` placeholders are left out)."""
    good: list[str] = []
    for path in _fixture_files(provider, ".xml"):
        text = path.read_text(encoding="utf-8")
        try:
            ET.fromstring(text)  # noqa: S314 - our own fixture files
        except ET.ParseError:
            continue
        good.append(text)
    return good


def _vocabulary(provider: str) -> list[str]:
    """Every key and element name in the provider's fixtures: dictionaries built from these have the right shape."""
    words: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                words.add(str(key))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for doc in _json_fixtures(provider):
        walk(doc)
    for text in _xml_fixtures(provider):
        for element in ET.fromstring(text).iter():  # noqa: S314 - our own fixture files
            words.add(element.tag)
    return sorted(words) or ["status", "message", "progress", "url"]


_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(HOSTILE_NUMBERS),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=50),
)


def json_values(words: list[str]) -> st.SearchStrategy[Any]:
    keys = st.one_of(st.sampled_from(words), st.sampled_from([w.lower() for w in words]), st.text(max_size=10))
    return st.recursive(
        _leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6), max_leaves=30
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_paths(item, (*prefix, index)))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
        copy[head] = _replace(copy[head], rest, new)
        return copy
    copy_list = list(value)
    copy_list[head] = _replace(copy_list[head], rest, new)
    return copy_list


@st.composite
def spoiled_json(draw: st.DrawFn, provider: str) -> Any:
    """A documented JSON sample with one value (or subtree) replaced by something hostile."""
    docs = _json_fixtures(provider)
    if not docs:
        return draw(json_values(_vocabulary(provider)))
    doc = draw(st.sampled_from(docs))
    path = draw(st.sampled_from(_paths(doc)))
    return _replace(doc, path, draw(json_values(_vocabulary(provider))))


@st.composite
def spoiled_xml(draw: st.DrawFn, provider: str) -> bytes:
    """A documented XML sample with one element's text replaced, or the document cut short."""
    docs = _xml_fixtures(provider)
    if not docs:
        return draw(st.binary(max_size=200))
    root = ET.fromstring(draw(st.sampled_from(docs)))  # noqa: S314 - our own fixture files
    elements = list(root.iter())
    target = draw(st.sampled_from(elements))
    target.text = draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40)).map(_xml_safe))
    body = ET.tostring(root, encoding="utf-8")
    if draw(st.booleans()) and draw(st.booleans()):
        body = body[: draw(st.integers(0, len(body)))]
    return body


def _xml_safe(text: str) -> str:
    # ElementTree refuses to write characters XML 1.0 cannot hold; the transport would see them as bad bytes anyway.
    return "".join(c for c in text if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd"))


def bodies_for(parse: ParseFunction) -> st.SearchStrategy[Any]:
    provider = parse.provider
    words = _vocabulary(provider)
    if parse.wants_raw_body:
        return st.one_of(
            spoiled_xml(provider),
            st.binary(max_size=300),
            st.text(max_size=300),
            json_values(words).map(lambda v: json.dumps(v).encode()),
            st.sampled_from(HOSTILE_XML_BODIES),
        )
    return st.one_of(spoiled_json(provider), json_values(words), _decoded_xml(provider))


def _decoded_xml(provider: str) -> st.SearchStrategy[Any]:
    """For parse functions that take an already-parsed XML element (encoding.com's parse_job)."""
    import xmltodict

    decoded: list[Any] = []
    for text in _xml_fixtures(provider):
        doc = xmltodict.parse(text)
        decoded.extend(value for path in _paths(doc) if isinstance(value := _get(doc, path), dict))
    if not decoded:
        return st.nothing()
    return st.sampled_from(decoded).flatmap(
        lambda doc: st.sampled_from(_paths(doc)).flatmap(
            lambda path: json_values(_vocabulary(provider)).map(lambda new: _replace(doc, path, new))
        )
    )


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


# ---- hostile XML ------------------------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n<result><code>&lol9;</code><message>&lol9;</message></result>"
)
QUADRATIC_BLOWUP = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + "A" * 50_000 + '">]><result><code>' + "&a;" * 50_000 + "</code>"
    "</result>"
)


def xxe_file(path: Path) -> str:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{path}">]>'
        "<result><code>&xxe;</code><message>&xxe;</message><status>&xxe;</status></result>"
    )


def xxe_http(url: str) -> str:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "{url}/entity">]>'
        "<response><status>&xxe;</status><code>&xxe;</code></response>"
    )


def external_dtd(url: str) -> str:
    return f'<?xml version="1.0"?><!DOCTYPE response SYSTEM "{url}/evil.dtd"><response><status>x</status></response>'


def parameter_entity(url: str) -> str:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % remote SYSTEM "{url}/p.dtd"> %remote;]>'
        "<result><code>SUCCESS</code></result>"
    )


HOSTILE_XML_BODIES: list[bytes] = [
    BILLION_LAUGHS.encode(),
    QUADRATIC_BLOWUP.encode(),
    b'<?xml version="1.0"?><!doctype r><result/>',
    b'<?xml version="1.0"?><! DOCTYPE r><result/>',
    b"<result><code>SUCCESS</code>",  # cut short
    b"<result><code>SUCCESS</code></result><result/>",  # two roots
    b"<" * 10_000,
    b"<a>" * 5_000 + b"</a>" * 5_000,  # deep nesting
    '<?xml version="1.0" encoding="UTF-16"?><result/>'.encode("utf-16"),
    b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE r+AD4-<result/>',
    b"\xff\xfe\x00\x00garbage",
    b"",
    b"null",
]


@pytest.fixture
def secret_file(tmp_path: Path) -> tuple[Path, str]:
    content = "TOP-SECRET-FILE-CONTENT-91c3"
    path = tmp_path / "secret.txt"
    path.write_text(content)
    return path, content


def _all_text(statuses: list[Status], error: BaseException | None) -> str:
    parts = [str(error or "")]
    for status in statuses:
        parts.extend(str(v) for v in (status.provider_status, status.message, status.result_url))
    return "\n".join(parts)


@pytest.mark.parametrize("parse", [f for f in PARSE_FUNCTIONS if f.wants_raw_body], ids=str)
def test_xml_bombs_and_entities_are_refused_by_every_xml_parser(
    parse: ParseFunction, secret_file: tuple[Path, str], tmp_path: Path
) -> None:
    path, content = secret_file
    with RecordingServer() as listener:
        bodies = [
            BILLION_LAUGHS,
            QUADRATIC_BLOWUP,
            xxe_file(path),
            xxe_http(listener.base_url),
            external_dtd(listener.base_url),
            parameter_entity(listener.base_url),
        ]
        for body in bodies:
            for raw in (body.encode(), body):
                tracemalloc.start()
                started = time.monotonic()
                try:
                    with pytest.raises(ProtocolError) as caught:
                        call(parse, raw)
                    _, peak = tracemalloc.get_traced_memory()
                finally:
                    tracemalloc.stop()
                assert time.monotonic() - started < 2
                assert peak < 8 * 1024 * 1024, f"{peak / 1e6:.1f} MB for {body[:60]!r}"
                assert content not in str(caught.value)
        assert listener.request_count == 0, "the parser fetched something over the network"


def test_the_whole_check_refuses_hostile_xml_without_fetching_or_reading(
    harness: Harness, faults: FaultServer, secret_file: tuple[Path, str]
) -> None:
    """Over HTTP, for every provider (JSON ones too): the answer is refused, nothing fetched, nothing read."""
    path, content = secret_file
    client = harness.client(faults.base_url)
    try:
        with RecordingServer() as listener:
            for body in (
                BILLION_LAUGHS,
                xxe_file(path),
                xxe_http(listener.base_url),
                external_dtd(listener.base_url),
                parameter_entity(listener.base_url),
            ):
                faults.inject(Fault.http(200, body.encode(), "text/xml; charset=utf-8"))
                with pytest.raises(JobTrayError) as caught:
                    client.check([harness.open_job])
                assert isinstance(caught.value, ProtocolError), caught.value
                assert content not in str(caught.value)
            assert listener.request_count == 0
    finally:
        client.close()


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"status": "working"',
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON decoder's recursion limit
        b'{"status": NaN}',
        b'{"status": 1e999}',
        b"\xff\xfe{}",
        b'{"status": "\\ud800"}',
        b"",
    ],
)
def test_malformed_json_over_http_is_a_protocol_error(harness: Harness, faults: FaultServer, body: bytes) -> None:
    faults.inject(Fault.http(200, body, "application/json"))
    client = harness.client(faults.base_url)
    try:
        with pytest.raises(JobTrayError) as caught:
            client.check([harness.open_job])
    finally:
        client.close()
    assert isinstance(caught.value, ProtocolError)


# ---- property tests over every parse function -------------------------------------------------------------------


@pytest.mark.parametrize("parse", PARSE_FUNCTIONS, ids=str)
def test_parse_functions_raise_only_typed_errors_on_anything(parse: ParseFunction) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(body=bodies_for(parse))
    def check(body: Any) -> None:
        parse_safely(parse, body)

    check()


@pytest.mark.parametrize("parse", PARSE_FUNCTIONS, ids=str)
@pytest.mark.parametrize("value", HOSTILE_NUMBERS + HOSTILE_TEXT, ids=repr)
def test_absurd_values_in_every_field_of_every_sample(parse: ParseFunction, value: Any) -> None:
    """Each leaf of each documented sample replaced in turn by an absurd value: no crash, sane Statuses."""
    provider = parse.provider
    if parse.wants_raw_body:
        for text in _xml_fixtures(provider):
            root = ET.fromstring(text)  # noqa: S314 - our own fixture files
            for index in range(len(list(root.iter()))):
                copy = ET.fromstring(text)  # noqa: S314
                list(copy.iter())[index].text = _xml_safe(str(value))
                parse_safely(parse, ET.tostring(copy, encoding="utf-8"))
    else:
        for doc in _json_fixtures(provider):
            for path in _paths(doc)[1:]:
                parse_safely(parse, _replace(doc, path, value))


@settings(max_examples=300, deadline=None)
@given(
    provider=st.sampled_from(sorted(PROVIDERS)),
    text=st.one_of(
        st.text(max_size=400),
        st.text(alphabet="0123456789ABCDEFabcdef-{}/?#&=%:. \n", max_size=400),
        st.builds(lambda a, b: f"https://host/x?{a}={b}", st.sampled_from(["jobid", "guid", "mediaid"]), st.text()),
    ),
)
def test_id_extraction_never_raises_and_finds_only_valid_ids(provider: str, text: str) -> None:
    for found in ids.extract_ids(ID_SPECS[provider], text):
        assert ids.normalize_id(ID_SPECS[provider], found) == found
    assert isinstance(ids.is_single_token(text), bool)
    for name, found_ids in ids.candidates(text, ID_SPECS).items():
        assert all(ids.normalize_id(ID_SPECS[name], i) == i for i in found_ids)


def test_id_extraction_is_bounded_on_huge_drops() -> None:
    text = ("6YSZD3U872ZYYFEDMQCQSGEEO8YSF5WA " * 100_000) + "https://x/?jobid=" + "A" * 5_000_000
    started = time.monotonic()
    ids.extract_ids(ID_SPECS["pdfco"], text)
    ids.candidates(text[: ids.MAX_TEXT * 2], ID_SPECS)
    assert time.monotonic() - started < 10
