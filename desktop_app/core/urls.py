"""Which URLs we talk to and which links we open: http and https only."""

from __future__ import annotations

import ipaddress
import unicodedata
from urllib.parse import urlsplit

from desktop_app.core.errors import ConfigError

MAX_URL_LENGTH = 8192


def _has_hidden_characters(text: str) -> bool:
    """Whitespace, control or format characters (bidi overrides, zero-width): a real link needs none of them, and
    parsers disagree about them (`urlsplit` strips some, browsers others), which is how `java\tscript:` sneaks by."""
    return any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in text)


def has_credentials(url: str) -> bool:
    """True when the link names a user or password (`http://USER:PASSWORD@host/`), or cannot be parsed."""
    try:
        parts = urlsplit(url)
        return parts.username is not None or parts.password is not None or "@" in parts.netloc
    except ValueError:
        return True


def is_openable_link(url: str | None) -> bool:
    """True for an absolute http(s) link with a host and no credentials: the only kind we store as a result, show,
    log or open. The one place every provider's result links go through (`providers.base.result_link`, the store's
    `record_status`, opening and downloading): a link with `user:password@` is refused whole (issue 20), never
    shortened, since without its credentials it would not open what it names either."""
    if not url or len(url) > MAX_URL_LENGTH or _has_hidden_characters(url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        return False
    return url.lower().startswith(("http://", "https://")) and bool(host) and not has_credentials(url)


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str) -> str:
    """The base URL without a trailing slash; ConfigError unless it is http(s) with a host and no credentials."""
    text = url.strip()
    if len(text) > MAX_URL_LENGTH or _has_hidden_characters(text):
        raise ConfigError("the base URL must not contain spaces or control characters")
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise ConfigError(f"not a valid URL: {text[:200]!r}") from exc
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise ConfigError(f"the base URL must start with http:// or https:// and name a host: {text[:200]!r}")
    if parts.username or parts.password:
        raise ConfigError("the base URL must not contain a user name or password; use the key options")
    if parts.query or parts.fragment:
        raise ConfigError("the base URL must not contain a query or fragment")
    return text.rstrip("/")


def insecure_base_url_warning(url: str) -> str | None:
    """A warning for plain http to a host other than this machine, where keys would cross the network in clear."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "http" and parts.hostname and not is_loopback_host(parts.hostname):
        return f"{url} uses plain http: the key would travel unencrypted; prefer https"
    return None
