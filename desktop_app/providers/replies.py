"""A vendor's job-creation reply, piped into `jobtray add -`: which provider sent it, and the job it started.

Pure functions, no HTTP. The shape of the reply names the provider:

| reply | provider | the job | label |
|---|---|---|---|
| JSON object with `jobId` (or `"error": true`, or PDF.co's own fields) | PDF.co | `jobId` (a string) | `name` |
| JSON object with `jobIdentifier`, at the top or under `data` | ScriptX.Services | `jobIdentifier` | |
| JSON `{"response": {...}}` with `MediaID` (or `errors`) | encoding.com | `MediaID` | |
| XML `<response>` with `<MediaID>` (or `<errors>`) | encoding.com | `<MediaID>` | |
| XML `<result>` with `<code>` | iPaper (ProcessPDF) | the GUID in `<data>`, found by element name | |

A reply that reports an error, names no job (PDF.co's synchronous and upload replies) or could be two vendors'
(both `jobId` and `jobIdentifier`) raises `VendorError` with one line (made displayable). Anything else
(plain text, a JSON or XML document of no vendor's shape) is None: the caller searches it for IDs as before.
Input is bounded: the caller reads at most `MAX_REPLY_BYTES`; deeper or bigger documents are not replies.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from desktop_app.core.errors import ConfigError, ProtocolError
from desktop_app.core.text import displayable
from desktop_app.providers.xml import child, children, descendant, parse_xml, text

MAX_REPLY_BYTES = 1_000_000  # what `jobtray add -` reads from stdin at most
MAX_LABEL = 200
_GUID = re.compile(r"\{?[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}\}?")


class VendorError(ConfigError):
    """The reply says the vendor did not start a job; the message quotes the vendor (displayable, one line)."""


@dataclass(frozen=True, slots=True)
class CreationReply:
    """The job a creation reply names: the provider (registry name), the job ID as sent, a label if any."""

    provider: str
    job_id: str
    label: str | None = None


def _shown(value: object, limit: int = 300) -> str:
    shown = displayable(str(value)).strip()
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _label(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    label = _shown(value, MAX_LABEL)
    return label or None


def _scalar_id(value: object) -> str | None:
    """An ID field's value: a string or an integer (encoding.com's JSON may carry a number), trimmed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _get(obj: dict[str, Any], name: str) -> Any:
    """A key, matched case-insensitively (ASP.NET serialises `JobIdentifier`, encoding.com `MediaID`/`mediaid`)."""
    if name in obj:
        return obj[name]
    wanted = name.casefold()
    for key, value in obj.items():
        if isinstance(key, str) and key.casefold() == wanted:
            return value
    return None


def parse_reply(raw: bytes | str) -> CreationReply | None:
    """The job a vendor's creation reply names; None when `raw` is not a creation reply of a known shape.

    Raises:
        VendorError: the reply reports an error (nothing was started).
    """
    if isinstance(raw, bytes):
        if len(raw) > MAX_REPLY_BYTES:
            return None
        try:
            body = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    else:
        body = raw.removeprefix("\ufeff")
    stripped = body.strip()
    if stripped.startswith("{"):
        return _parse_json(stripped)
    if stripped.startswith("<"):
        return _parse_xml(stripped)
    return None


# ---- JSON --------------------------------------------------------------------------------------------------


def _parse_json(body: str) -> CreationReply | None:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    response = _get(value, "response")
    if isinstance(response, dict):
        return _encodingcom_json(response)
    data = _get(value, "data")
    scriptx = value if _get(value, "jobIdentifier") is not None else None
    if scriptx is None and isinstance(data, dict) and _get(data, "jobIdentifier") is not None:
        scriptx = data
    if "jobId" in value and scriptx is not None:
        raise VendorError(
            "the reply holds both a PDF.co jobId and a ScriptX.Services jobIdentifier: which vendor sent it cannot be "
            "told; nothing added (give the ID with --account)"
        )
    if "jobId" in value or value.get("error") is True:
        return _pdfco(value)
    if scriptx is not None:
        return _scriptx(scriptx)
    if _is_pdfco_reply(value):
        return _pdfco(value)  # no jobId: VendorError, never a search of its numbers for IDs
    return None


# Fields of PDF.co's replies (creation, synchronous result, upload), per its docs and samples.
_PDFCO_FIELDS = frozenset(
    {"url", "presignedUrl", "outputLinkValidTill", "remainingCredits", "credits", "pageCount", "duration", "name"}
)


def _is_pdfco_reply(value: dict[str, Any]) -> bool:
    """PDF.co's reply shape without a jobId: `"error": false`, an integer `status` and some of its own fields (a
    synchronous result, an upload reply). Nothing to watch, and its numbers (remainingCredits) are no IDs."""
    status = value.get("status")
    own = sum(1 for name in _PDFCO_FIELDS if name in value)
    return value.get("error") is False and isinstance(status, int) and not isinstance(status, bool) and own >= 2


def _pdfco(value: dict[str, Any]) -> CreationReply:
    if value.get("error") is True:
        message = value.get("message") or "no message"
        status = value.get("status")
        code = f" ({_shown(status, 20)})" if isinstance(status, int | str) and str(status).strip() else ""
        raise VendorError(f"PDF.co reported an error{code}: {_shown(message)}; nothing added")
    raw = value.get("jobId")
    job_id = raw.strip() if isinstance(raw, str) and raw.strip() else None  # PDF.co's IDs are strings, never numbers
    if job_id is None:
        raise VendorError(
            "the PDF.co reply has no jobId: a synchronous result or an upload reply starts no job to watch "
            '(was the request made with "async": true?); nothing added'
        )
    return CreationReply("pdfco", job_id, _label(value.get("name")))


# The print reply's own status (not the job status): 0 Unknown and 3 SoftError started nothing; 4 Ok finished.
_SCRIPTX_FAILED = {0: "Unknown", 3: "SoftError"}


def _scriptx(value: dict[str, Any]) -> CreationReply:
    status = _get(value, "status")
    if isinstance(status, str) and status.strip().lstrip("-").isdigit():
        status = int(status)
    job_id = _scalar_id(_get(value, "jobIdentifier"))
    if isinstance(status, int) and not isinstance(status, bool) and status in _SCRIPTX_FAILED:
        message = _get(value, "message") or "no message"
        raise VendorError(
            f"ScriptX.Services reported {status} {_SCRIPTX_FAILED[status]}: {_shown(message)}; nothing added"
        )
    if job_id is None:
        # printDirect answers "" (synchronous: nothing to watch), as does a print that is already done.
        raise VendorError("the ScriptX.Services reply has no jobIdentifier: nothing to watch")
    return CreationReply("scriptx", job_id)


def _encodingcom_json(response: dict[str, Any]) -> CreationReply | None:
    errors = _get(response, "errors")
    if errors is not None:
        listed = _get(errors, "error") if isinstance(errors, dict) else errors
        items = listed if isinstance(listed, list) else [listed]
        words = "; ".join(_shown(e) for e in items if e not in (None, "", []))
        raise VendorError(f"encoding.com reported: {words or 'an error'}; nothing added")
    media = _scalar_id(_get(response, "MediaID"))
    if media is None:
        return None
    return CreationReply("encodingcom", media)


# ---- XML ---------------------------------------------------------------------------------------------------


def _parse_xml(body: str) -> CreationReply | None:
    try:
        root, content = parse_xml(body, "the reply")
    except ProtocolError:
        return None
    if root == "response":
        return _encodingcom_xml(content)
    if root == "result" and child(content, "code") is not None:
        return _ipaper(content)
    return None


def _encodingcom_xml(response: Any) -> CreationReply | None:
    errors = [t for errs in children(response, "errors") for e in children(errs, "error") if (t := text(e))]
    if children(response, "errors"):
        words = "; ".join(_shown(e) for e in errors)
        raise VendorError(f"encoding.com reported: {words or 'an error'}; nothing added")
    media = text(child(response, "MediaID"))
    if media is None:
        return None
    return CreationReply("encodingcom", media)


def _ipaper(result: Any) -> CreationReply:
    code = text(child(result, "code")) or ""
    if code.upper() != "SUCCESS":
        message = text(child(result, "message")) or "no message"
        raise VendorError(f"iPaper answered {_shown(code, 80) or 'no code'}: {_shown(message)}; nothing added")
    data = child(result, "data")
    # The element's name is undocumented (`JobGuid` most likely): a child whose name says GUID, else a GUID value.
    guid: str | None = None
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and "guid" in key.casefold() and (found := text(value)):
                guid = found
                break
        if guid is None:
            guid = text(descendant(data, "jobGuid")) or text(descendant(data, "guid"))
    if guid is None:
        value = text(data)
        if value is not None and _GUID.fullmatch(value):
            guid = value
    if guid is None and isinstance(data, dict):
        for value in data.values():
            found = text(value)
            if found is not None and _GUID.fullmatch(found):
                guid = found
                break
    if guid is None:
        raise VendorError(
            "the iPaper reply has no job GUID in <data> (older ProcessPDF replies carry none): nothing to watch"
        )
    return CreationReply("ipaper", guid)


def searchable_text(raw: bytes) -> str:
    """The text of input that is no vendor's reply, to search for IDs: a JSON document's string values only (its
    numbers are counts, credits and sizes, never IDs: issue 20), anything else as it is."""
    text = raw.decode("utf-8", "replace")
    stripped = text.strip().removeprefix("\ufeff")
    if not stripped.startswith(("{", "[")):
        return text
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return text
    found: list[str] = []
    stack: list[Any] = [value]
    while stack and len(found) < 10_000:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return "\n".join(found)
