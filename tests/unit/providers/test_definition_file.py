"""Provider definition files: the shipped ones read, and a mistake in every field gives a clear error with its field
and line (and nothing is built from a definition that has one)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop_app.core.model import JobState
from desktop_app.providers.definition_file import (
    BUILTIN_NAMES,
    DefinitionError,
    Problem,
    parse_definition,
    read_definition,
)
from desktop_app.providers.registry import BUILTIN_NAMES as REGISTRY_BUILTINS

SHIPPED = Path(__file__).parents[3] / "desktop_app" / "providers" / "definitions"

GOOD = """\
name = "acme"
display_name = "Acme Jobs"
documentation = "https://acme.example/docs/jobs"

[variables]
team = "the team the jobs belong to"

[request]
method = "GET"
base_url = "https://api.acme.example"
path = "/v1/teams/{team}/jobs/{job_id}"
query = { verbose = "1" }
headers = { Accept = "application/json" }

[request.key]
header = "Authorization"
prefix = "Bearer "

[answer]
format = "json"
status = "job.state"
progress = "job.percent"
message = "job.note"
result_link = "job.result.url"
unmapped = "running"

[answer.states]
queued = "queued"
busy = "running"
done = "succeeded"
broken = "failed"

[ids]
pattern = "J-[0-9]{6}"
documented = "J- and six digits"

[polling]
rate_limit = "2/s"
min_interval = 3
max_interval = 120

[errors]
message = "error.text"
wrong_key = [401]
not_found = [404, 410]
rate_limited = [429]
"""


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the definition")


def _problems(text: str) -> tuple[Problem, ...]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, "acme.toml")
    return caught.value.problems


def test_the_good_definition_reads() -> None:
    definition = parse_definition(GOOD, "acme.toml")
    assert (definition.name, definition.display_name, definition.origin) == (
        "acme",
        "Acme Jobs",
        "https://api.acme.example",
    )
    assert definition.answer.state_of("DONE") == JobState.SUCCEEDED  # compared without case
    assert definition.variable_names == ("team",)
    assert definition.errors.not_found == (404, 410)
    assert definition.ids.pattern.fullmatch("J-004217")
    assert definition.ids.find.search("see J-004217, or XJ-000001") is not None


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.toml")), ids=lambda p: p.stem)
def test_the_shipped_definitions_read_and_name_their_vendor_page(path: Path) -> None:
    definition = read_definition(path)
    assert definition.name == path.stem
    assert definition.documentation.startswith("https://")
    assert definition.documentation in path.read_text(encoding="utf-8").split("\n", 3)[1]  # named at the top
    assert definition.origin.startswith("https://")
    assert any(state.is_terminal for _, state in definition.answer.states)


def test_the_built_in_names_agree_with_the_registry() -> None:
    assert frozenset(REGISTRY_BUILTINS) == BUILTIN_NAMES


# One mistake per field: (what to replace in GOOD, its replacement, the field named, words of the message).
MISTAKES = [
    ('name = "acme"', 'name = "pdfco"', "name", "built-in provider"),
    ('name = "acme"', 'name = "Acme Jobs!"', "name", "lower-case"),
    ('name = "acme"', "name = 7", "name", "must be text"),
    ('display_name = "Acme Jobs"', 'display_name = "Acme\\u001b[2J"', "display_name", "control characters"),
    ('documentation = "https://acme.example/docs/jobs"', 'documentation = "ftp://x"', "documentation", "http(s)"),
    ('team = "the team the jobs belong to"', "team = 3", "variables.team", "short text"),
    ('team = "the team the jobs belong to"', 'job_id = "no"', "variables.job_id", "variable name"),
    ('method = "GET"', 'method = "DELETE"', "request.method", '"GET" or "POST"'),
    ('base_url = "https://api.acme.example"', 'base_url = "http://api.acme.example"', "request.base_url", "https"),
    (
        'base_url = "https://api.acme.example"',
        'base_url = "https://user:pw@api.acme.example"',
        "request.base_url",
        "user name or password",
    ),
    ('path = "/v1/teams/{team}/jobs/{job_id}"', 'path = "v1/jobs/{job_id}"', "request.path", 'start with one "/"'),
    ('path = "/v1/teams/{team}/jobs/{job_id}"', 'path = "/v1/jobs/{job_id}?key={key}"', "request.path", "? or #"),
    ('path = "/v1/teams/{team}/jobs/{job_id}"', 'path = "/v1/{org}/jobs/{job_id}"', "request.path", "{org}"),
    ('path = "/v1/teams/{team}/jobs/{job_id}"', 'path = "/v1/teams/{team}/jobs"', "request.path", "{job_id}"),
    ('query = { verbose = "1" }', 'query = { token = "{key}" }', "request.query.token", "{key}"),
    (
        'headers = { Accept = "application/json" }',
        'headers = { Host = "evil.example" }',
        "request.headers.Host",
        "set by",
    ),
    ('headers = { Accept = "application/json" }', "headers = { Accept = 1 }", "request.headers.Accept", "text"),
    ('header = "Authorization"', 'body_field = "key"', "request.key.body_field", "POST"),
    ('prefix = "Bearer "', 'prefix = "Bearer "\nbody_field = "k"', "request.key", "exactly one"),
    ('format = "json"', 'format = "yaml"', "answer.format", '"json" or "xml"'),
    ('status = "job.state"', 'status = "job.[state"', "answer.status", "JMESPath"),
    ('status = "job.state"', 'state = "job.state"', "answer.state", "not a field"),
    ('progress = "job.percent"', 'progress = "job..percent"', "answer.progress", "JMESPath"),
    ('message = "job.note"', 'message = ""', "answer.message", "empty"),
    ('result_link = "job.result.url"', "result_link = ['a']", "answer.result_link", "must be text"),
    ('unmapped = "running"', 'unmapped = "ignore"', "answer.unmapped", '"error" or "running"'),
    ('busy = "running"', 'busy = "working"', "answer.states.busy", "must be one of"),
    ('done = "succeeded"\nbroken = "failed"', 'done = "running"\nbroken = "queued"', "answer.states", "ending"),
    ('broken = "failed"', 'broken = "failed"\nDONE = "failed"', "answer.states.DONE", "mapped twice"),
    ('pattern = "J-[0-9]{6}"', 'pattern = "J-[0-9]+"', "ids.pattern", "bounded"),
    ('pattern = "J-[0-9]{6}"', 'pattern = "^J-[0-9]{6}$"', "ids.pattern", "^ or $"),
    ('pattern = "J-[0-9]{6}"', 'pattern = "J-([0-9"', "ids.pattern", "regular expression"),
    ('pattern = "J-[0-9]{6}"', 'pattern = "(J-[0-9]{1,6}){1,30}"', "ids.pattern", "variable number"),
    ('pattern = "J-[0-9]{6}"', 'pattern = "[0-9]{0,6}"', "ids.pattern", "empty text"),
    ('documented = "J- and six digits"', "documented = false", "ids.documented", "must be text"),
    ('rate_limit = "2/s"', 'rate_limit = "fast"', "polling.rate_limit", ""),
    ("min_interval = 3", "min_interval = -1", "polling.min_interval", "between"),
    ("max_interval = 120", "max_interval = 1", "polling.max_interval", "shorter"),
    ('message = "error.text"', 'message = "error.[text"', "errors.message", "JMESPath"),
    ("wrong_key = [401]", 'wrong_key = ["401"]', "errors.wrong_key", "list of HTTP status codes"),
    ("not_found = [404, 410]", "not_found = [200]", "errors.not_found", "between 300 and 599"),
    ("rate_limited = [429]", "rate_limited = [401]", "errors.rate_limited", "also in errors.wrong_key"),
]


@pytest.mark.parametrize(("old", "new", "field", "words"), MISTAKES, ids=[f"{m[2]}:{m[3]}" for m in MISTAKES])
def test_a_mistake_in_each_field_names_the_field_and_its_line(old: str, new: str, field: str, words: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    problems = _problems(text)
    matching = [p for p in problems if p.field == field and words in p.message]
    assert matching, problems
    expected = _line_of(text, new.splitlines()[-1])
    problem = matching[0]
    # The problem points at the line written wrong, or (for a whole table) at its header.
    assert problem.line == expected or text.splitlines()[problem.line - 1].startswith("["), (problem, expected)


@pytest.mark.parametrize("missing", ["name", "display_name", "documentation", "[request]", "[answer]", "[ids]"])
def test_a_missing_part_is_named(missing: str) -> None:
    lines = GOOD.splitlines()
    if missing.startswith("["):
        start = lines.index(missing)
        section = missing[:-1]  # "[request": the table and its sub-tables go
        later = (
            i for i in range(start + 1, len(lines)) if lines[i].startswith("[") and not lines[i].startswith(section)
        )
        end = next(later, len(lines))
        kept = lines[:start] + lines[end:]
    else:
        kept = [line for line in lines if not line.startswith(f"{missing} =")]
    problems = _problems("\n".join(kept))
    assert any(p.field == missing.strip("[]") and "missing" in p.message for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD.replace('method = "GET"', 'method = "PUT"').replace('pattern = "J-[0-9]{6}"', 'pattern = "J.*"')
    text = text.replace('busy = "running"', 'busy = "busy"')
    fields = {p.field for p in _problems(text)}
    assert {"request.method", "ids.pattern", "answer.states.busy"} <= fields


def test_an_unknown_field_is_named_with_the_known_ones() -> None:
    problems = _problems('requets = "typo"\n' + GOOD + "retries = 3\n")
    (problem,) = [p for p in problems if p.field == "requets"]
    assert "not a field" in problem.message and "request" in problem.message
    assert problem.line == 1
    (problem,) = [p for p in problems if p.field == "errors.retries"]  # keys after [errors] belong to it
    assert "not a field of [errors]" in problem.message
    assert problem.line == len(GOOD.splitlines()) + 2


def test_not_toml_gives_the_line_of_the_mistake() -> None:
    text = GOOD.replace('method = "GET"', 'method = "GET')
    (problem,) = _problems(text)
    assert problem.field == "(file)" and "not TOML" in problem.message
    assert problem.line == _line_of(text, 'method = "GET')


def test_the_error_message_lists_the_problems_with_their_lines() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(GOOD.replace('method = "GET"', 'method = "PUT"'), "acme.toml")
    assert re.search(r"acme\.toml: line \d+: request\.method: must be", str(caught.value))


def test_files_too_large_unreadable_or_not_utf8_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (300 * 1024))
    latin = tmp_path / "latin.toml"
    latin.write_bytes(GOOD.replace("Acme Jobs", "Acme J\xf6bs").encode("latin-1"))
    for path, words in ((big, "larger"), (latin, "UTF-8"), (tmp_path / "missing.toml", "cannot be read")):
        with pytest.raises(DefinitionError, match=words):
            read_definition(path)


def test_a_key_in_the_body_needs_post_and_a_body() -> None:
    text = GOOD.replace('method = "GET"', 'method = "POST"').replace(
        'header = "Authorization"\nprefix = "Bearer "', 'body_field = "apikey"'
    )
    text = text.replace('headers = { Accept = "application/json" }', 'form = { job = "{job_id}" }')
    text = text.replace('path = "/v1/teams/{team}/jobs/{job_id}"', 'path = "/v1/teams/{team}/status"')
    definition = parse_definition(text, "acme.toml")
    assert definition.request.key.body_field == "apikey"
    assert definition.request.form == (("job", "{job_id}"),)


def test_the_readme_example_is_a_good_definition() -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    found = re.search(r"## Any job API.*?```toml\n(.*?)```", readme, re.DOTALL)
    assert found is not None
    definition = parse_definition(found.group(1), "README.md")
    assert definition.name == "acme" and definition.ids.pattern.fullmatch("job_0123456789abcdefghij")
