"""Providers defined in a file (`definition_file.py`), driven by the same engine as the built-in ones.

`provider_class(definition)` makes an `HttpProvider` subclass whose metadata (name, display name, ID spec, poll
policy, rate limit, base URL) come from the definition, so the registry, the scheduler, the shared budget,
Retry-After, the deadlines and after-end work treat it exactly like a built-in provider. Its `check` builds the
request from the definition and reads the answer with `read_answer`, a pure function.

Safety, on top of the transport's (deadline, size cap, no redirects):
- The key goes only to the account's origin (its base URL), in a header or the body, never in the URL; over https
  unless the origin is this machine. A plain-http origin elsewhere pauses the account (AuthError) before any
  request is made.
- `{job_id}` and the account's variables are inserted as escaped path segments (`base.path_segment`: no `/`, no
  `..`) or query values (`urlencode`), so no value can change the host or the path's shape.
- Result links pass the built-ins' check (http/https with a host, no hidden characters) and may not carry
  credentials (a user name or password in the link).
- The expressions are JMESPath: they select and compare data; nothing from a definition runs as code. Whatever
  they meet in an answer, `read_answer` raises only core.errors types (a ProtocolError for the job).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import jmespath.exceptions

from desktop_app.core.errors import AuthError, ProtocolError, QuotaExhausted, RateLimited, TransientError
from desktop_app.core.ids import IdSpec
from desktop_app.core.model import JobState, Status
from desktop_app.core.schedule import PollPolicy
from desktop_app.core.text import storable
from desktop_app.core.urls import has_credentials, is_loopback_host
from desktop_app.providers.base import (
    HttpProvider,
    HttpResponse,
    ProviderConfig,
    path_segment,
    result_link,
    server_text,
    short_text,
)
from desktop_app.providers.definition_file import PLACEHOLDER, Definition, Expression
from desktop_app.providers.xml import parse_xml

MAX_PROVIDER_STATUS = 200
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# ---- reading an answer ----------------------------------------------------------------------------------------


def _search(expression: Expression | None, data: Any, definition: Definition, what: str) -> Any:
    if expression is None:
        return None
    try:
        return expression.search(data)
    except (jmespath.exceptions.JMESPathError, RecursionError, ValueError, TypeError, OverflowError) as exc:
        # A type error in a function (avg over texts, say): the answer is not what the definition expects.
        raise ProtocolError(f"{definition.display_name}: the {what} expression failed on this answer") from exc


def _as_text(value: Any) -> str | None:
    """A scalar read from an answer as text; None for null, lists and objects."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        return value
    return None


def _progress(value: Any, scale: float) -> float | None:
    if isinstance(value, str):
        try:
            value = float(value.strip().rstrip("%"))
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        percent = float(value) / scale * 100.0
    except (OverflowError, ZeroDivisionError):
        return None
    if not math.isfinite(percent) or not 0.0 <= percent <= 100.0:
        return None
    return percent


def safe_link(value: Any) -> str | None:
    """A result link worth keeping: the built-ins' one check (`base.result_link`: http(s) with a host, nothing
    hidden, no credentials, core/urls.py), for whatever type the expression found."""
    link = result_link(value) if isinstance(value, str) else None
    return None if link is None or has_credentials(link) else link


def _decode(definition: Definition, response: HttpResponse) -> Any:
    if definition.answer.format == "xml":
        root, content = parse_xml(response.body, definition.display_name)
        return {root: content}
    return response.json()


def _error_words(definition: Definition, response: HttpResponse) -> str | None:
    """The service's own words in an error answer (errors.message), or "" where the definition reads none from a
    body in its format; None when the body is not the service's kind of answer at all (an HTML page from a proxy,
    a wrong base URL)."""
    if not response.body:
        return None
    try:
        data = _decode(definition, response)
        if definition.errors.message is None:
            return ""
        text = _as_text(_search(definition.errors.message, data, definition, "errors.message"))
    except ProtocolError:
        return None
    return text.strip() if text and text.strip() else None


def _error_detail(definition: Definition, response: HttpResponse) -> str:
    """The service's own words about an error answer, shown safely after a colon; "" if none."""
    words = _error_words(definition, response)
    return f": {short_text(words)}" if words else ""


def read_answer(definition: Definition, job_id: str, response: HttpResponse) -> Status:
    """What one answer says about `job_id`; raises only core.errors types.

    HTTP codes first (the definition's own lists, then 429 and 5xx as for every provider), then the answer's
    body through the definition's expressions.
    """
    name = definition.display_name
    errors = definition.errors
    code = response.status
    if not 200 <= code <= 299:
        detail = _error_detail(definition, response)
        if code in errors.not_found:
            if _error_words(definition, response) is None:
                # Not the service's own "no such job": a 404 page of a proxy or a wrong base URL would lose every job.
                raise ProtocolError(
                    f"{name} answered HTTP {code} without its own error answer: is the account's base URL right?"
                )
            return Status(
                job_id=job_id,
                state=JobState.NOT_FOUND,
                provider_status=f"HTTP {code}",
                message=server_text(f"{name} does not know this job (HTTP {code}){detail}"),
            )
        if code in errors.wrong_key:
            raise AuthError(f"{name} rejected the key (HTTP {code}){detail}")
        if code in errors.no_credits:
            raise QuotaExhausted(f"{name} account cannot be used now: no credits left (HTTP {code}){detail}")
        if code in errors.rate_limited or code == 429:
            raise RateLimited(f"{name} is rate limiting us (HTTP {code}){detail}", response.retry_after())
        if 500 <= code <= 599:
            raise TransientError(f"{name} had a server error (HTTP {code})", response.retry_after())
        if code in errors.transient:
            raise TransientError(f"{name} asked us to try again later (HTTP {code}){detail}", response.retry_after())
        raise ProtocolError(f"{name} answered HTTP {code}{detail}")
    data = _decode(definition, response)
    if errors.when is not None and _truthy(_search(errors.when, data, definition, "errors.when")):
        words = _as_text(_search(errors.message, data, definition, "errors.message"))
        raise ProtocolError(f"{name} reported an error: {short_text(words) if words else 'no message'}")
    answer = definition.answer
    raw = _as_text(_search(answer.status, data, definition, "answer.status"))
    if raw is None or not raw.strip():
        raise ProtocolError(f"{name} answer has no status where answer.status looks ({answer.status.text[:80]})")
    if storable(raw) != raw or len(raw) > MAX_PROVIDER_STATUS or _UNPRINTABLE.search(raw):
        # Not a status any service sends (a lone surrogate, controls, a page of text), whatever `unmapped` says.
        raise ProtocolError(f"{name} answered a status that is not a status: {short_text(raw, 40)}")
    shown_status = server_text(raw.strip(), MAX_PROVIDER_STATUS) or "?"
    state = answer.state_of(raw.strip())
    message = _as_text(_search(answer.message, data, definition, "answer.message"))
    if state is None:
        if answer.unmapped == "error":
            raise ProtocolError(f'{name} answered an unknown status "{short_text(raw, 40)}"')
        state = JobState.RUNNING
        message = f'{name} status "{raw.strip()[:80]}" is not in the definition; read as running'
    progress = _progress(_search(answer.progress, data, definition, "answer.progress"), answer.progress_max)
    if state == JobState.SUCCEEDED and progress is None:
        progress = 100.0
    elif state.is_bad_ending:
        progress = None  # how far a failed job got says nothing useful
    link = safe_link(_search(answer.result_link, data, definition, "answer.result_link"))
    return Status(
        job_id=job_id,
        state=state,
        provider_status=shown_status,
        progress=progress,
        message=server_text(message),
        result_url=link,
    )


def _truthy(value: Any) -> bool:
    # JMESPath's truth: false, null, "", [] and {} are false; every number (0 too) is true.
    if value is None or value is False:
        return False
    if isinstance(value, str | list | dict):
        return bool(value)
    return True


# ---- making a request -----------------------------------------------------------------------------------------


def _fill(template: str, values: Mapping[str, str], escape: Any) -> str:
    return PLACEHOLDER.sub(lambda m: escape(values[m.group(1)]), template)


def _fill_body(template: Any, values: Mapping[str, str]) -> Any:
    if isinstance(template, str):
        return _fill(template, values, lambda v: v)
    if isinstance(template, dict):
        return {k: _fill_body(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill_body(v, values) for v in template]
    return template


class DefinedProvider(HttpProvider):
    """The provider of one definition; `provider_class` makes a subclass per definition."""

    definition: ClassVar[Definition]

    @classmethod
    def credential_headers(cls, config: ProviderConfig) -> dict[str, str]:
        key = cls.definition.request.key
        if key.header is None:
            return {}
        return {key.header: key.prefix + config.secret.reveal()}

    @classmethod
    def origin_problem(cls, base_url: str) -> str | None:
        """Why the key may not go to `base_url` (plain http to another machine), or None."""
        parts = urlsplit(base_url)
        if parts.scheme.lower() == "https" or is_loopback_host(parts.hostname or ""):
            return None
        return f"{cls.display_name} keys go over https only (plain http only to this machine): {base_url}"

    def variables(self) -> dict[str, str]:
        values = dict(self.config.variables)
        missing = [name for name in self.definition.variable_names if not values.get(name)]
        if missing:
            wanted = " ".join(f"--var {name}=..." for name in missing)
            raise AuthError(f"the account needs {wanted} ({self.display_name}'s path uses them)")
        return {name: values[name] for name in self.definition.variable_names}

    def request_parts(self, job_id: str) -> tuple[str, dict[str, str], Any, dict[str, str] | None]:
        """(path with query, headers, JSON body, form) for `job_id`; the key in a header or the body only."""
        spec = self.definition.request
        values = {**self.variables(), "job_id": job_id}
        path = _fill(spec.path, values, path_segment)
        if spec.query:
            path += "?" + urlencode([(name, _fill(value, values, lambda v: v)) for name, value in spec.query])
        headers = {"Accept": "application/xml" if self.definition.answer.format == "xml" else "application/json"}
        headers.update({name: _fill(value, values, lambda v: v) for name, value in spec.headers})
        if re.search(r"[\r\n]", "".join(headers.values())):
            raise ProtocolError("the job ID cannot be sent in a header: it holds a line break")
        headers.update(self.credential_headers(self.config))
        json_body = _fill_body(spec.json_body, values) if spec.json_body is not None else None
        form = {name: _fill(value, values, lambda v: v) for name, value in spec.form} if spec.form else None
        if spec.key.body_field is not None:
            if form is not None:
                form[spec.key.body_field] = self.config.secret.reveal()
            elif isinstance(json_body, dict):
                json_body[spec.key.body_field] = self.config.secret.reveal()
        return path, headers, json_body, form

    def check(self, job_ids: Sequence[str]) -> list[Status]:
        problem = self.origin_problem(self.config.base_url)
        if problem is not None:
            raise AuthError(problem)
        return [self._check_one(job_id) for job_id in job_ids]

    def _check_one(self, job_id: str) -> Status:
        path, headers, json_body, form = self.request_parts(job_id)
        response = self.transport.request(
            self.definition.request.method, path, headers=headers, json_body=json_body, form=form
        )
        return read_answer(self.definition, job_id, response)


def id_spec(definition: Definition) -> IdSpec:
    ids = definition.ids
    in_path = "{job_id}" in definition.request.path
    return IdSpec(
        valid=ids.pattern,
        find=ids.find,
        url_params=ids.url_params,
        url_path_markers=ids.url_path_markers,
        documented=ids.documented,
        in_path=in_path,
    )


def provider_class(definition: Definition) -> type[DefinedProvider]:
    """A provider class for `definition`, with its metadata as class attributes like a built-in's."""
    attributes: dict[str, Any] = {
        "definition": definition,
        "name": definition.name,
        "display_name": definition.display_name,
        "id_spec": id_spec(definition),
        "poll_policy": PollPolicy(
            min_interval=definition.polling.min_interval, max_interval=definition.polling.max_interval
        ),
        "default_base_url": definition.request.base_url,
        "max_batch": 1,
        "default_rate_limit": definition.polling.rate_limit,
        "secret_name": definition.request.key.label,
        "__module__": __name__,
        "__doc__": f"{definition.display_name}, defined in {definition.source or 'a file'}.",
    }
    title = "".join(part.capitalize() for part in definition.name.split("_"))
    return type(f"{title}DefinedProvider", (DefinedProvider,), attributes)


def sample_answer(definition: Definition, body: bytes, job_id: str = "JOB") -> Status:
    """What JobTray would read from `body` as a 200 answer (`jobtray provider check --answer`)."""
    return read_answer(definition, job_id, HttpResponse(status=200, headers={}, body=body))


def describe_request(definition: Definition) -> str:
    """One line: the method and URL template, for `provider add` and `provider check`."""
    spec = definition.request
    query = ("?" + "&".join(f"{k}={v}" for k, v in spec.query)) if spec.query else ""
    where = f"header {spec.key.header}" if spec.key.header else f"body field {spec.key.body_field}"
    return f"{spec.method} {spec.base_url}{spec.path}{query} (key in the {where})"


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
