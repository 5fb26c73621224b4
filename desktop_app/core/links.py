"""`jobtray://watch?provider=pdfco&id=...&label=...[&account=...]`: a link that asks JobTray to watch a job.

A link is untrusted input (any web page can offer one): it is refused, with one line saying why, when it is longer
than `MAX_LINK_LENGTH`, holds a control or bidi character (raw or percent-encoded), is not exactly
`jobtray://watch?...`, repeats or lacks a parameter, or carries one we do not know. Whether the provider, the
account and the ID are acceptable is the caller's to check (it knows the registry and the accounts).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from desktop_app.core.errors import ConfigError

SCHEME = "jobtray"
MAX_LINK_LENGTH = 2048
MAX_LABEL = 200
_KNOWN = frozenset({"provider", "id", "label", "account"})
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


class LinkError(ConfigError):
    """The link is refused; the message is one line and quotes nothing unsafe."""


@dataclass(frozen=True, slots=True)
class WatchLink:
    provider: str
    job_id: str
    label: str | None = None
    account: str | None = None


def _has_controls(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in _BIDI for c in text)


def parse_link(link: str) -> WatchLink:
    """The watch request a `jobtray://` link carries; LinkError for anything else."""
    if len(link) > MAX_LINK_LENGTH:
        raise LinkError(f"the link is longer than {MAX_LINK_LENGTH} characters; refused")
    if _has_controls(link):
        raise LinkError("the link contains control characters; refused")
    try:
        parts = urlsplit(link.strip())
    except ValueError as exc:
        raise LinkError("the link is not a valid URL; refused") from exc
    if parts.scheme.lower() != SCHEME:
        raise LinkError(f"not a {SCHEME}:// link; refused")
    # `jobtray://watch?...` (host "watch"); `jobtray:watch?...` is accepted too, as some launchers rewrite it.
    action = (parts.netloc or parts.path).strip("/").lower()
    if action != "watch" or (parts.netloc and parts.path.strip("/")):
        raise LinkError("the link does not ask to watch a job (jobtray://watch?provider=...&id=...); refused")
    if parts.fragment:
        raise LinkError("the link has a fragment (#...); refused")
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise LinkError("the link's parameters cannot be read; refused") from exc
    values: dict[str, str] = {}
    for key, value in pairs:
        if key not in _KNOWN:
            raise LinkError("the link has a parameter JobTray does not know; refused")
        if key in values:
            raise LinkError(f"the link names {key} twice; refused")
        if _has_controls(value):
            raise LinkError("the link contains control characters; refused")
        values[key] = value.strip()
    provider, job_id = values.get("provider"), values.get("id")
    if not provider:
        raise LinkError("the link names no provider; refused")
    if not job_id:
        raise LinkError("the link names no job id; refused")
    label = values.get("label") or None
    if label is not None and len(label) > MAX_LABEL:
        raise LinkError(f"the link's label is longer than {MAX_LABEL} characters; refused")
    return WatchLink(provider=provider, job_id=job_id, label=label, account=values.get("account") or None)
