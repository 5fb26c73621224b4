"""Job IDs out of dropped or pasted text and URLs, by each provider's pattern.

Each provider has two patterns: `valid`, which a single ID must match in full before we send it anywhere, and
`find`, which picks IDs out of free text with few false positives. They differ where a provider's IDs are plain
(encoding.com media IDs are integers: any integer is valid, but only longer ones are worth finding in prose).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from desktop_app.core.errors import ConfigError

MAX_TEXT = 1_000_000  # characters; larger drops are refused before they get here
MAX_ID_LENGTH = 200


@dataclass(frozen=True, slots=True)
class IdSpec:
    """How one provider's job IDs look."""

    valid: re.Pattern[str]
    find: re.Pattern[str]
    # Query parameter names and path markers that introduce an ID in a URL.
    url_params: tuple[str, ...] = ()
    url_path_markers: tuple[str, ...] = ()
    # The form the vendor documents, in words, for the warning about an ID that does not look like it.
    documented: str = ""
    # `documented` as a pattern, where it is narrower than `valid`.
    documented_pattern: re.Pattern[str] | None = None
    # True when the ID travels as a path segment (where `.` and `..` would be read as path steps).
    in_path: bool = False


_GUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"

ID_SPECS: dict[str, IdSpec] = {
    # iPaper job GUIDs: the text form is undocumented, so braces are allowed and stripped.
    "ipaper": IdSpec(
        valid=re.compile(rf"\{{?{_GUID}\}}?"),
        find=re.compile(rf"(?<![0-9A-Za-z-]){_GUID}(?![0-9A-Za-z-])"),
        url_params=("jobGuid", "jobguid", "guid"),
        documented="a GUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    ),
    # ScriptX tokens are opaque (32 hex in the docs, `pdf0:job` elsewhere): any printable run is valid; in text we
    # look for the documented 32-hex form or a token after /printPdf/status/ or /printPdf/download/.
    "scriptx": IdSpec(
        valid=re.compile(r"[^\s/?#]{1,200}"),
        find=re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32}(?![0-9A-Za-z])"),
        url_path_markers=("/printPdf/status/", "/printPdf/download/", "/printHtml/status/"),
        documented="32 hexadecimal characters",
        documented_pattern=re.compile(r"[0-9A-Fa-f]{32}"),
        in_path=True,
    ),
    # PDF.co: 32 upper-case base-36 characters, optionally `--NNN-NNN`; the same prefix is a folder in result URLs.
    "pdfco": IdSpec(
        valid=re.compile(r"[A-Z0-9]{32}(?:--\d{1,9}-\d{1,9})?"),
        find=re.compile(r"(?<![0-9A-Za-z])[A-Z0-9]{32}(?:--\d{1,9}-\d{1,9})?(?![0-9A-Za-z])"),
        url_params=("jobid", "jobId"),
        documented="32 upper-case letters or digits, optionally followed by --NNN-NNN",
    ),
    # encoding.com media IDs are positive integers; in prose only runs of 5-12 digits count.
    "encodingcom": IdSpec(
        valid=re.compile(r"[1-9][0-9]{0,11}"),
        find=re.compile(r"(?<![0-9A-Za-z.:/-])[1-9][0-9]{4,11}(?![0-9A-Za-z.:])"),
        url_params=("mediaid", "MediaID", "media_id"),
        documented="a positive integer",
    ),
}

PROVIDER_NAMES: tuple[str, ...] = tuple(ID_SPECS)

# The names the user knows the providers by, for the tray, the window and notifications. The provider classes take
# their display_name from here, so the UI can show them without importing the providers (and requests).
PROVIDER_DISPLAY_NAMES: dict[str, str] = {
    "ipaper": "iPaper",
    "scriptx": "ScriptX.Services",
    "pdfco": "PDF.co",
    "encodingcom": "encoding.com",
}


def provider_display_name(provider: str) -> str:
    """The name the user knows `provider` by; an unknown provider's own name."""
    return PROVIDER_DISPLAY_NAMES.get(provider, provider)


def normalize_id(provider: str, raw: str) -> str | None:
    """The ID as it should be sent, or None if it is not a valid ID for this provider."""
    spec = ID_SPECS[provider]
    text = raw.strip()
    if not text or len(text) > MAX_ID_LENGTH or not spec.valid.fullmatch(text):
        return None
    if provider == "ipaper":
        text = text.strip("{}")
    return text


# Characters no ID may hold: controls, lone surrogates (not encodable), line/paragraph separators, and the
# bidirectional overrides and isolates (they make an ID read differently from what is sent).
_UNSENDABLE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def unsendable_reason(provider: str, token: str) -> str | None:
    """Why `token` (already stripped) cannot be sent safely as a job ID, or None when it can."""
    if not token:
        return "the job ID is empty"
    if len(token) > MAX_ID_LENGTH:
        return f"the job ID is longer than {MAX_ID_LENGTH} characters"
    if any(c.isspace() for c in token):
        return "the job ID contains whitespace"
    if any(unicodedata.category(c) in _UNSENDABLE_CATEGORIES or c in _BIDI_CONTROLS for c in token):
        return "the job ID contains control characters"
    if ID_SPECS[provider].in_path and token in (".", ".."):
        return "the job ID cannot be only dots (it is sent as a path segment)"
    return None


def given_id(provider: str, raw: str) -> tuple[str, str | None]:
    """A single token the user gave for an account of `provider`: (the ID to send, a warning or None).

    Taken as given unless it cannot be sent safely (ConfigError, quoting it shown safely): a token that does not
    look like the vendor's documented form is still used, with a one-line warning, because vendors' real IDs do
    not always follow their documentation. iPaper GUIDs lose their braces.
    """
    token = raw.strip()
    reason = unsendable_reason(provider, token)
    if reason is not None:
        raise ConfigError(f"{reason}: {quoted(token)}")
    normal = normalize_id(provider, token)
    if normal is not None:
        spec = ID_SPECS[provider]
        if spec.documented_pattern is None or spec.documented_pattern.fullmatch(normal):
            return normal, None
        token = normal
    name = PROVIDER_DISPLAY_NAMES.get(provider, provider)
    documented = ID_SPECS[provider].documented
    like = f" ({documented})" if documented else ""
    return token, f"{quoted(token)} does not look like a {name} job ID{like}; added as given"


def quoted(token: str, limit: int = 80) -> str:
    """The token quoted for a one-line message: controls and odd characters escaped, cut to `limit`."""
    shown = token.encode("unicode_escape").decode("ascii") if not token.isprintable() else token
    shown = shown if len(shown) <= limit else shown[: limit - 1] + "…"
    return f"'{shown}'"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _ids_in_url(provider: str, url: str) -> list[str]:
    spec = ID_SPECS[provider]
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if key in spec.url_params:
            for piece in value.split(","):
                ok = normalize_id(provider, piece)
                if ok:
                    found.append(ok)
    path = unquote(parts.path)
    for marker in spec.url_path_markers:
        index = path.find(marker)
        if index >= 0:
            token = path[index + len(marker) :].split("/", 1)[0]
            ok = normalize_id(provider, token)
            if ok:
                found.append(ok)
    return found


_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def extract_ids(provider: str, text: str) -> list[str]:
    """Every ID for `provider` in `text`, in order of appearance, each once."""
    text = text[:MAX_TEXT]
    found: list[str] = []
    for url in _URL.findall(text):
        found.extend(_ids_in_url(provider, url))
    spec = ID_SPECS[provider]
    for match in spec.find.finditer(text):
        ok = normalize_id(provider, match.group(0))
        if ok:
            found.append(ok)
    return _unique(found)


def is_single_token(text: str) -> bool:
    """True for text that is one bare ID-like token, not a URL or prose."""
    stripped = text.strip()
    return bool(stripped) and not any(c.isspace() for c in stripped) and not _URL.match(stripped)


def candidates(text: str, providers: tuple[str, ...] = PROVIDER_NAMES) -> dict[str, list[str]]:
    """Which providers' IDs appear in `text`: {provider: [ids]}, only providers with a match."""
    result: dict[str, list[str]] = {}
    for provider in providers:
        ids = extract_ids(provider, text)
        if ids:
            result[provider] = ids
    return result
