"""A provider definition file (TOML) read into a frozen `Definition`, every field checked.

A definition describes one job-status API as data: the request, how the answer is read (JMESPath expressions over
JSON, or over XML turned into the same structure by `providers/xml.py`), the service's statuses mapped onto
JobTray's states, what its job IDs look like, its pacing, and how its error answers look. Nothing in a definition
is code: the expressions only select and compare data (JMESPath has no I/O and no user functions), and the ID
patterns are checked to be bounded before they are compiled.

`read_definition` reports every problem at once, each with its field and the line it is on. `tomllib` gives no
line numbers for values, so `_Lines` finds a key's line in the text itself (table headers, dotted keys); a field it
cannot place is reported at its table's header, or line 1.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# The regex parser (Python 3.11+), to check an ID pattern's shape before it is compiled; sre_parse is deprecated.
from re import _constants as _sre_constants  # type: ignore[attr-defined]
from re import _parser as _sre_parser  # type: ignore[attr-defined]
from typing import Any
from urllib.parse import urlsplit

import jmespath
import jmespath.exceptions
import jmespath.parser

from desktop_app.core.errors import ConfigError
from desktop_app.core.model import JobState
from desktop_app.core.ratelimit import parse_rate_limit
from desktop_app.core.urls import is_loopback_host, is_openable_link, validate_base_url

MAX_DEFINITION_BYTES = 256 * 1024
MAX_EXPRESSION = 1000  # characters of one JMESPath expression
MAX_PATTERN = 300  # characters of one ID pattern
MAX_REPEAT = 200  # the largest count an ID pattern may repeat anything: IDs are at most 200 characters
BUILTIN_NAMES = frozenset({"ipaper", "scriptx", "pdfco", "encodingcom"})
NAME = re.compile(r"[a-z][a-z0-9_]{1,39}")
VARIABLE = re.compile(r"[a-z][a-z0-9_]{0,30}")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}")
_FORBIDDEN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "cookie"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
STATES = {state.value: state for state in JobState}
WRONG_KEY, NOT_FOUND, RATE_LIMITED = (401, 403), (404,), (429,)  # the HTTP codes most services use

_TOP = {"name", "display_name", "documentation", "variables", "request", "answer", "ids", "polling", "errors"}
_REQUEST = {"method", "base_url", "path", "query", "headers", "json", "form", "key"}
_KEY = {"header", "prefix", "body_field", "label"}
_ANSWER = {"format", "status", "progress", "progress_max", "message", "result_link", "states", "unmapped"}
_IDS = {"pattern", "find", "documented", "url_params", "url_path_markers"}
_POLLING = {"rate_limit", "min_interval", "max_interval"}
_ERRORS = {"message", "when", "wrong_key", "no_credits", "not_found", "rate_limited", "transient"}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a definition: the field (dotted, as in the file), its line (1-based) and what is
    wrong, in words a person can act on."""

    field: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class DefinitionError(ConfigError):
    """A definition that cannot be used; `problems` lists every problem found (field and line each)."""

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{source}: {lines}{more}")


@dataclass(frozen=True, slots=True)
class Expression:
    """A compiled JMESPath expression and the text it came from (shown back to the user)."""

    text: str
    compiled: jmespath.parser.ParsedResult = field(compare=False, repr=False)

    def search(self, data: Any) -> Any:
        return self.compiled.search(data)


@dataclass(frozen=True, slots=True)
class KeyPlacement:
    """Where the key goes: a header (`prefix` + key) or a body field; never the URL."""

    header: str | None = None
    prefix: str = ""
    body_field: str | None = None
    label: str = "API key"


@dataclass(frozen=True, slots=True)
class RequestSpec:
    method: str
    base_url: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    json_body: Any = None  # a template: strings in it may hold placeholders
    form: tuple[tuple[str, str], ...] | None = None
    key: KeyPlacement = KeyPlacement()


@dataclass(frozen=True, slots=True)
class AnswerSpec:
    format: str  # "json" or "xml"
    status: Expression
    states: tuple[tuple[str, JobState], ...]  # casefolded service status -> state
    unmapped: str = "error"  # "error" (ProtocolError) or "running" (running, with a message)
    progress: Expression | None = None
    progress_max: float = 100.0
    message: Expression | None = None
    result_link: Expression | None = None

    def state_of(self, value: str) -> JobState | None:
        wanted = value.casefold()
        for known, state in self.states:
            if known == wanted:
                return state
        return None


@dataclass(frozen=True, slots=True)
class IdsSpec:
    pattern: re.Pattern[str]
    find: re.Pattern[str]
    documented: str = ""
    url_params: tuple[str, ...] = ()
    url_path_markers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PollingSpec:
    rate_limit: str = "1/s"
    min_interval: float = 2.0
    max_interval: float = 300.0


@dataclass(frozen=True, slots=True)
class ErrorsSpec:
    message: Expression | None = None
    when: Expression | None = None  # on a 2xx answer: truthy means the answer is an error
    wrong_key: tuple[int, ...] = WRONG_KEY
    not_found: tuple[int, ...] = NOT_FOUND
    rate_limited: tuple[int, ...] = RATE_LIMITED
    no_credits: tuple[int, ...] = ()  # the key is fine but the account cannot be used now (QuotaExhausted)
    transient: tuple[int, ...] = ()  # 4xx codes the service uses for "try again later" (5xx always are)


@dataclass(frozen=True, slots=True)
class Definition:
    """One provider defined in a file; frozen, so it can cross into worker threads."""

    name: str
    display_name: str
    documentation: str
    request: RequestSpec
    answer: AnswerSpec
    ids: IdsSpec
    polling: PollingSpec = PollingSpec()
    errors: ErrorsSpec = ErrorsSpec()
    variables: tuple[tuple[str, str], ...] = ()  # name -> what it is, for the account's --var NAME=VALUE
    source: str = ""  # the file it was read from

    @property
    def origin(self) -> str:
        return self.request.base_url

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.variables)


# ---- where a key is in the text -------------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_LINE = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _dotted(text: str) -> str:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return ".".join(p.strip("\"'") for p in parts)


class _Lines:
    """Dotted field path -> the line it is written on (tables, dotted keys; inline tables count as their key)."""

    def __init__(self, text: str) -> None:
        self.lines: dict[str, int] = {}
        table = ""
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header:
                table = _dotted(header.group(1))
                self.lines.setdefault(table, number)
                continue
            key = _KEY_LINE.match(line)
            if key:
                path = _dotted(key.group(1))
                self.lines.setdefault(f"{table}.{path}" if table else path, number)

    def of(self, path: str) -> int:
        parts = path.split(".")
        while parts:
            found = self.lines.get(".".join(parts))
            if found is not None:
                return found
            parts.pop()
        return 1


# ---- the checks ---------------------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, text: str, reserved: Collection[str]) -> None:
        self.where = _Lines(text)
        self.problems: list[Problem] = []
        self.reserved = reserved

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, self.where.of(path), message))

    def table(self, data: Mapping[str, Any], path: str, allowed: set[str], required: bool = True) -> dict[str, Any]:
        value = data.get(path.rsplit(".", 1)[-1])
        if value is None:
            if required:
                self.problem(path, "is missing")
            return {}
        if not isinstance(value, dict):
            self.problem(path, "must be a table")
            return {}
        for key in value:
            if key not in allowed:
                self.problem(f"{path}.{key}", f"is not a field of [{path}] (known: {', '.join(sorted(allowed))})")
        return value

    def text(
        self, data: Mapping[str, Any], path: str, *, required: bool = True, limit: int = 200, default: str = ""
    ) -> str:
        value = data.get(path.rsplit(".", 1)[-1])
        if value is None:
            if required:
                self.problem(path, "is missing")
            return default
        if not isinstance(value, str):
            self.problem(path, f"must be text, not {_kind(value)}")
            return default
        if len(value) > limit:
            self.problem(path, f"is longer than {limit} characters")
            return default
        if _CONTROL.search(value):
            self.problem(path, "must not contain control characters")
            return default
        return value

    def number(self, data: Mapping[str, Any], path: str, default: float, low: float, high: float) -> float:
        value = data.get(path.rsplit(".", 1)[-1])
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.problem(path, f"must be a number, not {_kind(value)}")
            return default
        if not low <= value <= high:
            self.problem(path, f"must be between {low:g} and {high:g}")
            return default
        return float(value)

    def expression(self, data: Mapping[str, Any], path: str, required: bool = False) -> Expression | None:
        text = self.text(data, path, required=required, limit=MAX_EXPRESSION)
        if not text:
            if data.get(path.rsplit(".", 1)[-1]) == "":
                self.problem(path, "is empty")
            return None
        try:
            return Expression(text, jmespath.compile(text))
        except (jmespath.exceptions.JMESPathError, RecursionError, ValueError, TypeError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.problem(path, f"is not a JMESPath expression: {detail[:160]}")
            return None

    def codes(self, data: Mapping[str, Any], path: str, default: tuple[int, ...]) -> tuple[int, ...]:
        value = data.get(path.rsplit(".", 1)[-1])
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in value):
            self.problem(path, "must be a list of HTTP status codes, like [401, 403]")
            return default
        bad = [c for c in value if not 300 <= c <= 599]
        if bad:
            self.problem(path, f"HTTP codes must be between 300 and 599 (not {bad[0]})")
            return default
        return tuple(value)

    def strings(self, data: Mapping[str, Any], path: str) -> tuple[str, ...]:
        value = data.get(path.rsplit(".", 1)[-1])
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v and len(v) <= 100 for v in value):
            self.problem(path, "must be a list of short texts")
            return ()
        return tuple(value)


def _kind(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER.findall(template)


def _check_template(reader: _Reader, path: str, template: str, allowed: Collection[str]) -> None:
    for name in placeholders(template):
        if name == "key":
            reader.problem(path, "{key} cannot be written in a template: the key goes only where [request.key] says")
        elif name not in allowed:
            known = ", ".join("{" + a + "}" for a in allowed)
            reader.problem(path, f"{{{name}}} is neither {{job_id}} nor a declared variable (known: {known})")


def _bounded(pattern: str) -> str | None:
    """Why `pattern` is not bounded (a repeat without an upper limit, or one above MAX_REPEAT), else None."""
    try:
        parsed = _sre_parser.parse(pattern)
    except re.error as exc:
        return f"is not a regular expression: {exc}"
    maxrepeat = _sre_constants.MAXREPEAT
    # (node, inside a variable repeat): variable repeats nested in one another backtrack badly: refused.
    stack: list[tuple[Any, bool]] = [(parsed, False)]
    while stack:
        node, repeated = stack.pop()
        items = node.data if hasattr(node, "data") else node
        for op, arg in items:
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, high, sub = arg
                if high == maxrepeat:
                    return "must be bounded: use {m,n} instead of *, + or {m,}"
                if high > MAX_REPEAT:
                    return f"repeats more than {MAX_REPEAT} times"
                if repeated and low != high:
                    return "must not repeat a variable number of times inside a group repeated that way"
                stack.append((sub, repeated or (low != high and high > 1)))
            elif name in ("SUBPATTERN",):
                stack.append((arg[-1], repeated))
            elif name == "BRANCH":
                stack.extend((branch, repeated) for branch in arg[1])
            elif name in ("ASSERT", "ASSERT_NOT"):
                stack.append((arg[1], repeated))
            elif name == "GROUPREF_EXISTS":
                stack.extend((a, repeated) for a in arg[1:] if a is not None)
            elif name == "ATOMIC_GROUP":
                stack.append((arg, repeated))
            elif name in ("AT",) and str(arg) in ("AT_BEGINNING", "AT_END", "AT_BEGINNING_STRING", "AT_END_STRING"):
                return "must not hold ^ or $: JobTray anchors it itself"
    return None


def _id_pattern(reader: _Reader, data: Mapping[str, Any], path: str, required: bool) -> re.Pattern[str] | None:
    text = reader.text(data, path, required=required, limit=MAX_PATTERN)
    if not text:
        return None
    why = _bounded(text)
    if why is not None:
        reader.problem(path, why)
        return None
    try:
        compiled = re.compile(text)
    except re.error as exc:  # pragma: no cover - _bounded parsed it already
        reader.problem(path, f"is not a regular expression: {exc}")
        return None
    if compiled.fullmatch(""):
        reader.problem(path, "matches empty text")
        return None
    if compiled.groupindex:  # plain groups are fine; named ones would clash where patterns are combined
        reader.problem(path, "must not use named groups")
        return None
    return compiled


def _request(reader: _Reader, data: Mapping[str, Any], variables: Collection[str]) -> RequestSpec | None:
    table = reader.table(data, "request", _REQUEST)
    if not table:
        return None
    allowed = ["job_id", *variables]
    method = reader.text(table, "request.method", default="GET")
    if method and method not in ("GET", "POST"):
        reader.problem("request.method", f'must be "GET" or "POST", not {method[:20]!r}')
    base_url = reader.text(table, "request.base_url", limit=500)
    if base_url:
        try:
            base_url = validate_base_url(base_url)
        except ConfigError as exc:
            reader.problem("request.base_url", str(exc))
            base_url = ""
        else:
            parts = urlsplit(base_url)
            if parts.scheme.lower() != "https" and not is_loopback_host(parts.hostname or ""):
                reader.problem(
                    "request.base_url", "must be https (plain http only to this machine): the key goes there"
                )
    path = reader.text(table, "request.path", limit=500)
    if path:
        if not path.startswith("/") or path.startswith("//"):
            reader.problem("request.path", 'must start with one "/" (it follows the base URL)')
        elif "?" in path or "#" in path:
            reader.problem("request.path", "must not hold ? or #: put query values under [request.query]")
        elif any(c.isspace() for c in path):
            reader.problem("request.path", "must not hold spaces")
        _check_template(reader, "request.path", path, allowed)
    query = _string_table(reader, table, "request.query", allowed)
    headers = _string_table(reader, table, "request.headers", allowed)
    for name, _ in headers:
        if not HEADER_NAME.fullmatch(name):
            reader.problem(f"request.headers.{name}", "is not a valid header name")
        elif name.lower() in _FORBIDDEN_HEADERS:
            reader.problem(f"request.headers.{name}", "is set by JobTray itself")
    json_body = table.get("json")
    form: tuple[tuple[str, str], ...] | None = None
    if json_body is not None:
        if method != "POST":
            reader.problem("request.json", 'a body needs method = "POST"')
        _check_body(reader, "request.json", json_body, allowed, depth=0)
    if table.get("form") is not None:
        if method != "POST":
            reader.problem("request.form", 'a body needs method = "POST"')
        if json_body is not None:
            reader.problem("request.form", "give a JSON body or a form, not both")
        form = _string_table(reader, table, "request.form", allowed)
    key = _key(reader, table, method, json_body is not None or table.get("form") is not None)
    everything = [path, *(v for _, v in query), *(v for _, v in headers), *(v for _, v in form or ())]
    everything += list(_strings_in(json_body))
    if path and not any("{job_id}" in text for text in everything):
        reader.problem("request.path", "{job_id} must appear in the path, the query or the body")
    if not (method and base_url and path) or key is None:
        return None
    return RequestSpec(
        method=method,
        base_url=base_url,
        path=path,
        query=query,
        headers=headers,
        json_body=json_body,
        form=form,
        key=key,
    )


def _strings_in(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def _check_body(reader: _Reader, path: str, value: Any, allowed: Collection[str], depth: int) -> None:
    if depth > 10:
        reader.problem(path, "is nested too deeply")
    elif isinstance(value, str):
        _check_template(reader, path, value, allowed)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_body(reader, f"{path}.{key}", item, allowed, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_body(reader, path, item, allowed, depth + 1)
    elif not isinstance(value, bool | int | float):
        reader.problem(path, f"cannot hold {_kind(value)} (a JSON body holds text, numbers, true/false, lists, tables)")


def _string_table(
    reader: _Reader, data: Mapping[str, Any], path: str, allowed: Collection[str]
) -> tuple[tuple[str, str], ...]:
    value = data.get(path.rsplit(".", 1)[-1])
    if value is None:
        return ()
    if not isinstance(value, dict):
        reader.problem(path, "must be a table of texts")
        return ()
    found: list[tuple[str, str]] = []
    for name, item in value.items():
        if not isinstance(item, str):
            reader.problem(f"{path}.{name}", f"must be text, not {_kind(item)}")
        elif _CONTROL.search(item) or _CONTROL.search(name):
            reader.problem(f"{path}.{name}", "must not contain control characters")
        else:
            _check_template(reader, f"{path}.{name}", item, allowed)
            found.append((name, item))
    return tuple(found)


def _key(reader: _Reader, data: Mapping[str, Any], method: str, has_body: bool) -> KeyPlacement | None:
    table = reader.table(data, "request.key", _KEY)
    if not table:
        return None
    header = reader.text(table, "request.key.header", required=False, limit=100) or None
    body_field = reader.text(table, "request.key.body_field", required=False, limit=100) or None
    prefix = reader.text(table, "request.key.prefix", required=False, limit=50)
    label = reader.text(table, "request.key.label", required=False, limit=40, default="API key") or "API key"
    if (header is None) == (body_field is None):
        reader.problem("request.key", "give exactly one of header = ... or body_field = ... (never the URL)")
        return None
    if header is not None:
        if not HEADER_NAME.fullmatch(header):
            reader.problem("request.key.header", "is not a valid header name")
        elif header.lower() in _FORBIDDEN_HEADERS:
            reader.problem("request.key.header", "is set by JobTray itself")
    if body_field is not None:
        if method != "POST" or not has_body:
            reader.problem("request.key.body_field", 'a key in the body needs method = "POST" and a json or form body')
        if prefix:
            reader.problem("request.key.prefix", "is for a key sent in a header")
    return KeyPlacement(header=header, prefix=prefix, body_field=body_field, label=label)


def _answer(reader: _Reader, data: Mapping[str, Any]) -> AnswerSpec | None:
    table = reader.table(data, "answer", _ANSWER)
    if not table:
        return None
    fmt = reader.text(table, "answer.format", required=False, default="json")
    if fmt not in ("json", "xml"):
        reader.problem("answer.format", f'must be "json" or "xml", not {fmt[:20]!r}')
    status = reader.expression(table, "answer.status", required=True)
    progress = reader.expression(table, "answer.progress")
    message = reader.expression(table, "answer.message")
    link = reader.expression(table, "answer.result_link")
    progress_max = reader.number(table, "answer.progress_max", 100.0, 1e-9, 1e12)
    unmapped = reader.text(table, "answer.unmapped", required=False, default="error")
    if unmapped not in ("error", "running"):
        reader.problem("answer.unmapped", f'must be "error" or "running", not {unmapped[:20]!r}')
    states: list[tuple[str, JobState]] = []
    raw_states = table.get("states")
    if raw_states is None:
        reader.problem("answer.states", "is missing: map the service's statuses to JobTray's states")
    elif not isinstance(raw_states, dict) or not raw_states:
        reader.problem("answer.states", 'must be a table like { done = "succeeded" }')
    else:
        seen: set[str] = set()
        for value, state in raw_states.items():
            where = f"answer.states.{value}"
            if not isinstance(state, str) or state not in STATES:
                reader.problem(where, f"must be one of {', '.join(STATES)}, not {str(state)[:30]!r}")
                continue
            folded = value.strip().casefold()
            if not folded:
                reader.problem(where, "an empty status cannot be mapped")
            elif folded in seen:
                reader.problem(where, "is mapped twice (statuses are compared without case)")
            else:
                seen.add(folded)
                states.append((folded, STATES[state]))
        if states and not any(state.is_terminal for _, state in states):
            reader.problem(
                "answer.states", "no status maps to an ending (succeeded, failed, ...): jobs would never end"
            )
    if status is None or not states or fmt not in ("json", "xml") or unmapped not in ("error", "running"):
        return None
    return AnswerSpec(
        format=fmt,
        status=status,
        states=tuple(states),
        unmapped=unmapped,
        progress=progress,
        progress_max=progress_max,
        message=message,
        result_link=link,
    )


def _ids(reader: _Reader, data: Mapping[str, Any]) -> IdsSpec | None:
    table = reader.table(data, "ids", _IDS)
    if not table:
        return None
    pattern = _id_pattern(reader, table, "ids.pattern", required=True)
    find = _id_pattern(reader, table, "ids.find", required=False)
    documented = reader.text(table, "ids.documented", required=False, limit=200)
    params = reader.strings(table, "ids.url_params")
    markers = reader.strings(table, "ids.url_path_markers")
    if pattern is None:
        return None
    source = (find or pattern).pattern
    # In free text an ID stands alone: not part of a longer word of letters, digits, "-" or "_".
    finder = re.compile(rf"(?<![0-9A-Za-z_-])(?:{source})(?![0-9A-Za-z_-])")
    return IdsSpec(pattern, finder, documented, params, markers)


def _polling(reader: _Reader, data: Mapping[str, Any]) -> PollingSpec:
    table = reader.table(data, "polling", _POLLING, required=False)
    rate = reader.text(table, "polling.rate_limit", required=False, default="1/s", limit=40) or "1/s"
    try:
        parse_rate_limit(rate)
    except ConfigError as exc:
        reader.problem("polling.rate_limit", str(exc))
        rate = "1/s"
    low = reader.number(table, "polling.min_interval", 2.0, 0.5, 86400.0)
    high = reader.number(table, "polling.max_interval", max(300.0, low), 0.5, 86400.0)
    if high < low:
        reader.problem("polling.max_interval", "must not be shorter than polling.min_interval")
        high = low
    return PollingSpec(rate, low, high)


def _errors(reader: _Reader, data: Mapping[str, Any]) -> ErrorsSpec:
    table = reader.table(data, "errors", _ERRORS, required=False)
    spec = ErrorsSpec(
        message=reader.expression(table, "errors.message"),
        when=reader.expression(table, "errors.when"),
        wrong_key=reader.codes(table, "errors.wrong_key", WRONG_KEY),
        not_found=reader.codes(table, "errors.not_found", NOT_FOUND),
        rate_limited=reader.codes(table, "errors.rate_limited", RATE_LIMITED),
        no_credits=reader.codes(table, "errors.no_credits", ()),
        transient=reader.codes(table, "errors.transient", ()),
    )
    groups = {
        "wrong_key": spec.wrong_key,
        "no_credits": spec.no_credits,
        "not_found": spec.not_found,
        "rate_limited": spec.rate_limited,
        "transient": spec.transient,
    }
    named = list(groups.items())
    for index, (name, codes) in enumerate(named):
        for other, other_codes in named[index + 1 :]:
            both = sorted(set(codes) & set(other_codes))
            if both:
                reader.problem(f"errors.{other}", f"HTTP {both[0]} is also in errors.{name}")
    return spec


def _variables(reader: _Reader, data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    value = data.get("variables")
    if value is None:
        return ()
    if not isinstance(value, dict):
        reader.problem("variables", 'must be a table like { owner = "the repository owner" }')
        return ()
    found: list[tuple[str, str]] = []
    for name, about in value.items():
        where = f"variables.{name}"
        if not VARIABLE.fullmatch(name) or name in ("job_id", "key"):
            reader.problem(where, "a variable name is lower-case letters, digits and _ (not job_id or key)")
        elif not isinstance(about, str) or len(about) > 200 or _CONTROL.search(about):
            reader.problem(where, "must say in a short text what the variable is")
        else:
            found.append((name, about))
    return tuple(found)


def parse_definition(text: str, source: str = "<definition>", reserved: Collection[str] = BUILTIN_NAMES) -> Definition:
    """The definition in `text`; DefinitionError listing every problem (with field and line) if it has any."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise DefinitionError(
            source, [Problem("(file)", int(found.group(1)) if found else 1, f"not TOML: {exc}")]
        ) from None
    reader = _Reader(text, reserved)
    for key in data:
        if key not in _TOP:
            reader.problem(key, f"is not a field of a definition (known: {', '.join(sorted(_TOP))})")
    name = reader.text(data, "name", limit=40)
    if name:
        if not NAME.fullmatch(name):
            reader.problem("name", "must be 2-40 lower-case letters, digits or _, starting with a letter")
        elif name in reserved:
            reader.problem("name", f"{name!r} is a built-in provider's name: choose another")
    display_name = reader.text(data, "display_name", limit=60)
    documentation = reader.text(data, "documentation", limit=500)
    if documentation and not is_openable_link(documentation):
        reader.problem("documentation", "must be the http(s) address of the vendor's page this was written from")
    variables = _variables(reader, data)
    request = _request(reader, data, [n for n, _ in variables])
    answer = _answer(reader, data)
    ids = _ids(reader, data)
    polling = _polling(reader, data)
    errors = _errors(reader, data)
    if reader.problems or request is None or answer is None or ids is None:
        problems = sorted(reader.problems, key=lambda p: p.line) or [Problem("(file)", 1, "is incomplete")]
        raise DefinitionError(source, problems)
    return Definition(
        name=name,
        display_name=display_name,
        documentation=documentation,
        request=request,
        answer=answer,
        ids=ids,
        polling=polling,
        errors=errors,
        variables=variables,
        source=source,
    )


def read_definition(path: Path, reserved: Collection[str] = BUILTIN_NAMES) -> Definition:
    """The definition in the file at `path`; DefinitionError for an unreadable or wrong one."""
    try:
        raw = path.read_bytes()[: MAX_DEFINITION_BYTES + 1]
    except OSError as exc:
        raise DefinitionError(str(path), [Problem("(file)", 1, f"cannot be read: {exc.strerror or exc}")]) from exc
    if len(raw) > MAX_DEFINITION_BYTES:
        raise DefinitionError(str(path), [Problem("(file)", 1, f"is larger than {MAX_DEFINITION_BYTES} bytes")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DefinitionError(str(path), [Problem("(file)", 1, "is not UTF-8 text")]) from exc
    return parse_definition(text, str(path), reserved)
