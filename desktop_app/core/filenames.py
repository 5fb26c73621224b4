"""File names for downloaded results: taken from a server's `Content-Disposition` or a URL, made safe to create.

Both come from a server, so both are hostile until made safe: no directory part, no `..`, no leading dot (no hidden
`.bashrc`), no control, bidi or reserved character, no Windows device name, at most MAX_NAME_BYTES bytes of UTF-8.
Pure functions: `engine.downloads` decides the folder and creates the file.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

MAX_NAME_BYTES = 200
PART_SUFFIX = ".part"
DEFAULT_NAME = "result"
_MAX_SUFFIX_BYTES = 16  # ".tar.gz", ".docx": an extension longer than this is part of the name
_RESERVED = set('<>:"/\\|?*')
_WINDOWS_DEVICES = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)
_DOTS = re.compile(r"\.{2,}")
_SPACES = re.compile(r"\s+")


def _bad_character(char: str) -> bool:
    # Cc controls, Cf format characters (bidi overrides, zero-width), Cs lone surrogates, line/paragraph separators.
    return char in _RESERVED or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def _fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def _split_suffix(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(f".{suffix}".encode()) > _MAX_SUFFIX_BYTES:
        return name, ""
    return stem, f".{suffix}"


def _shorten(name: str, limit: int) -> str:
    """`name` within `limit` bytes, keeping its extension."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, suffix = _split_suffix(name)
    stem = _fit(stem, max(1, limit - len(suffix.encode())))
    return (stem.rstrip(" .") or DEFAULT_NAME) + suffix


def safe_file_name(raw: str | None, fallback: str = DEFAULT_NAME) -> str:
    """A name that creates exactly one file inside the chosen folder, whatever `raw` was.

    The last path component only (either slash), with bad characters replaced by `_`, runs of dots collapsed, no
    leading dots or spaces, no trailing dots or spaces (Windows drops them), no device names, NFC-normalised and
    at most MAX_NAME_BYTES bytes. `fallback` (made safe the same way; "" returns "") when nothing is left.
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join("_" if _bad_character(c) else c for c in text)
    text = _SPACES.sub(" ", text)
    text = _DOTS.sub(".", text)
    text = text.strip(" ").lstrip(".").strip(" .")
    if text and _WINDOWS_DEVICES.fullmatch(text):
        text = f"_{text}"
    text = _shorten(text, MAX_NAME_BYTES)
    if not text or set(text) <= {"_", "."}:
        if not fallback:
            return ""
        return DEFAULT_NAME if fallback == DEFAULT_NAME else safe_file_name(fallback)
    return text


def numbered(name: str, n: int) -> str:
    """The `n`th candidate for `name` when it is taken: `report.pdf`, `report (2).pdf`, `report (3).pdf`..."""
    if n <= 1:
        return name
    stem, suffix = _split_suffix(name)
    tag = f" ({n})"
    stem = _fit(stem, MAX_NAME_BYTES - len(tag.encode()) - len(suffix.encode())).rstrip(" .") or DEFAULT_NAME
    return f"{stem}{tag}{suffix}"


def part_name(name: str) -> str:
    """Where a download is written until it is complete."""
    return name + PART_SUFFIX


def _rfc5987(value: str) -> str | None:
    """`UTF-8''caf%C3%A9.pdf` -> `café.pdf`; None when it is not that form."""
    charset, quote_char, encoded = value.partition("'")
    if not quote_char:
        return None
    _language, quote_char, encoded = encoded.partition("'")
    if not quote_char:
        return None
    try:
        return unquote(encoded, encoding=charset or "utf-8", errors="replace")
    except LookupError:  # an unknown charset
        return unquote(encoded, encoding="utf-8", errors="replace")


def _disposition_params(header: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for match in re.finditer(r';\s*([A-Za-z0-9_*.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', header):
        key = match.group(1).lower()
        value = match.group(2).strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params.setdefault(key, value)
    return params


def name_from_content_disposition(header: str | None) -> str | None:
    """The file name a `Content-Disposition` header suggests (`filename*` preferred), not yet made safe."""
    if not header:
        return None
    params = _disposition_params(header)
    extended = params.get("filename*")
    if extended:
        decoded = _rfc5987(extended)
        if decoded:
            return decoded
    plain = params.get("filename")
    return plain or None


def name_from_url(url: str) -> str | None:
    """The last segment of the URL's path, percent-decoded, not yet made safe; None for a path ending in `/`."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    segment = path.rsplit("/", 1)[-1]
    return unquote(segment, errors="replace") or None


def result_file_name(content_disposition: str | None, url: str, fallback: str = DEFAULT_NAME) -> str:
    """The safe name for a result: from the header, else from the URL, else `fallback`."""
    for candidate in (name_from_content_disposition(content_disposition), name_from_url(url)):
        if candidate:
            name = safe_file_name(candidate, fallback="")
            if name:
                return name
    return safe_file_name(fallback)
