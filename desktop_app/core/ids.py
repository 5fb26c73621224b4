"""Job IDs out of dropped or pasted text and URLs, by each provider's pattern.

Each provider has two patterns: `valid`, which a single ID must match in full before we send it anywhere, and
`find`, which picks IDs out of free text with few false positives. They differ where a provider's IDs are plain
(encoding.com media IDs are integers: any integer is valid, but only longer ones are worth finding in prose).

The patterns belong to the providers: each provider module states its `IdSpec` as a class attribute and the
registry (`providers/registry.py`, `ID_SPECS`) lists them. Core imports nothing above it, so every function here
takes the spec (or a mapping of specs by provider name) from its caller.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
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
    # Characters taken off both ends of a valid ID before it is sent (iPaper's optional GUID braces).
    strip: str = ""
    # What nearly looks like an ID (a typo, a dash too few, digits of another script): found in text where no ID
    # was, it earns a hint naming the documented form instead of silence or a truncated ID (`near_miss_hint`).
    near: re.Pattern[str] | None = None


# Shown by the tray, the window and notifications, which render before the providers (and requests) are imported,
# so they cannot read the registry. The source is each provider's own `display_name`; this copy only has to agree
# with it (tests/unit/providers/test_registry.py), and a provider missing here is shown by its own name. Code that
# has the registry passes its `DISPLAY_NAMES` instead.
_DISPLAY_NAMES_BEFORE_THE_REGISTRY: dict[str, str] = {
    "ipaper": "iPaper",
    "scriptx": "ScriptX.Services",
    "pdfco": "PDF.co",
    "encodingcom": "encoding.com",
}


def learn_display_names(names: Mapping[str, str]) -> None:
    """Providers defined in files (known only once the app has read them): their display names join the copy
    above, so the tray, the window and notifications show "CloudConvert", not "cloudconvert"."""
    _DISPLAY_NAMES_BEFORE_THE_REGISTRY.update(names)


def provider_display_name(provider: str, names: Mapping[str, str] | None = None) -> str:
    """The name the user knows `provider` by: from `names` (the registry's `DISPLAY_NAMES`), without it from the
    copy above; a provider in neither is shown by its own name."""
    shown = _DISPLAY_NAMES_BEFORE_THE_REGISTRY if names is None else names
    return shown.get(provider, provider)


def normalize_id(spec: IdSpec, raw: str) -> str | None:
    """The ID as it should be sent, or None if it is not a valid ID by `spec`."""
    text = raw.strip()
    if not text or len(text) > MAX_ID_LENGTH or not spec.valid.fullmatch(text):
        return None
    return text.strip(spec.strip) if spec.strip else text


# Characters no ID may hold: controls, lone surrogates (not encodable), line/paragraph separators, and the
# bidirectional overrides and isolates (they make an ID read differently from what is sent).
_UNSENDABLE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def unsendable_reason(spec: IdSpec, token: str) -> str | None:
    """Why `token` (already stripped) cannot be sent safely as a job ID, or None when it can."""
    if not token:
        return "the job ID is empty"
    if len(token) > MAX_ID_LENGTH:
        return f"the job ID is longer than {MAX_ID_LENGTH} characters"
    if any(c.isspace() for c in token):
        return "the job ID contains whitespace"
    if any(unicodedata.category(c) in _UNSENDABLE_CATEGORIES or c in _BIDI_CONTROLS for c in token):
        return "the job ID contains control characters"
    if not token.isascii():
        # IDs are ASCII (issue 20): fullwidth "151" is not 151 to any vendor, and a silent change of what the user typed
        # would add another job than the one they meant. Refused, not normalised.
        odd = "".join(dict.fromkeys(c for c in token if not c.isascii()))[:8]
        return f"the job ID holds characters that are not ASCII ({quoted(odd)}); job IDs are ASCII only"
    if spec.in_path and token in (".", ".."):
        return "the job ID cannot be only dots (it is sent as a path segment)"
    return None


def given_id(spec: IdSpec, raw: str, display_name: str) -> tuple[str, str | None]:
    """A single token the user gave for an account of a provider with this `spec`, named `display_name` in the
    warning: (the ID to send, a warning or None).

    Taken as given unless it cannot be sent safely (ConfigError, quoting it shown safely): a token that does not
    look like the vendor's documented form is still used, with a one-line warning, because vendors' real IDs do
    not always follow their documentation. A valid ID is normalised first (iPaper GUIDs lose their braces).
    """
    token = raw.strip()
    reason = unsendable_reason(spec, token)
    if reason is not None:
        raise ConfigError(f"{reason}: {quoted(token)}")
    normal = normalize_id(spec, token)
    if normal is not None:
        if spec.documented_pattern is None or spec.documented_pattern.fullmatch(normal):
            return normal, None
        token = normal
    like = f" ({spec.documented})" if spec.documented else ""
    return token, f"{quoted(token)} does not look like a {display_name} job ID{like}; added as given"


def quoted(token: str, limit: int = 80) -> str:
    """The token quoted for a one-line message: controls and odd characters escaped, cut to `limit`."""
    shown = token.encode("unicode_escape").decode("ascii") if not token.isprintable() else token
    shown = shown if len(shown) <= limit else shown[: limit - 1] + "…"
    return f"'{shown}'"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _ids_in_url(spec: IdSpec, url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if key in spec.url_params:
            for piece in value.split(","):
                ok = normalize_id(spec, piece)
                if ok:
                    found.append(ok)
    path = unquote(parts.path)
    for marker in spec.url_path_markers:
        index = path.find(marker)
        if index >= 0:
            token = path[index + len(marker) :].split("/", 1)[0]
            ok = normalize_id(spec, token)
            if ok:
                found.append(ok)
    return found


_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def extract_ids(spec: IdSpec, text: str) -> list[str]:
    """Every ID by `spec` in `text`, in order of appearance, each once."""
    text = text[:MAX_TEXT]
    found: list[str] = []
    for url in _URL.findall(text):
        found.extend(_ids_in_url(spec, url))
    for match in spec.find.finditer(text):
        ok = normalize_id(spec, match.group(0))
        if ok:
            found.append(ok)
    return _unique(found)


def is_single_token(text: str) -> bool:
    """True for text that is one bare ID-like token, not a URL or prose."""
    stripped = text.strip()
    return bool(stripped) and not any(c.isspace() for c in stripped) and not _URL.match(stripped)


def near_miss_hint(text: str, specs: Mapping[str, IdSpec], names: Mapping[str, str]) -> str | None:
    """A one-line hint for text that holds no ID but nearly holds one of a provider in `specs` (`IdSpec.near`),
    saying what that provider's IDs look like; None when nothing comes near. `names`: display names by provider."""
    text = text[:MAX_TEXT]
    for provider, spec in specs.items():
        if spec.near is None:
            continue
        for match in spec.near.finditer(text):
            token = match.group(0)
            if normalize_id(spec, token) is None:
                form = f" ({spec.documented})" if spec.documented else ""
                shown = provider_display_name(provider, names)
                return f"{quoted(token)} nearly looks like a {shown} job ID{form}, but is not one"
    return None


def candidates(text: str, specs: Mapping[str, IdSpec]) -> dict[str, list[str]]:
    """Which providers' IDs appear in `text`, given their `specs` by name: {provider: [ids]}, in the order of
    `specs`, only providers with a match."""
    result: dict[str, list[str]] = {}
    for provider, spec in specs.items():
        ids = extract_ids(spec, text)
        if ids:
            result[provider] = ids
    return result
