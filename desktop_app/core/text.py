"""Untrusted text (anything a server or a link sent) made safe for where it goes.

Two kinds of safe:
- `storable`: the exact text, with lone surrogates (which `json.loads` accepts and SQLite's UTF-8 encoder refuses)
  replaced by U+FFFD. Nothing else changes, so `--json` output and the database keep what the server said.
- `displayable`: for a terminal, a notification, a tooltip or a table cell. Escape sequences (CSI, OSC, and the
  other ESC forms) are removed whole; every other C0/C1 control, DEL, and the bidirectional overrides and isolates
  (U+202A-U+202E, U+2066-U+2069) are shown escaped (`\\x07`, `\\u202e`) so the user sees that something odd arrived;
  newlines and tabs become spaces. Lone surrogates become U+FFFD.
"""

from __future__ import annotations

import re

# ESC [ ... final byte (CSI); ESC ] ... BEL or ST (OSC); ESC P/X/^/_ ... ST (DCS, SOS, PM, APC); ESC + one byte.
# The 8-bit forms (U+009B CSI, U+009D OSC, ...) too.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_WHITESPACE_CONTROLS = re.compile(r"[\t\n\r\v\f]")
_SHOWN_ESCAPED = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def storable(text: str) -> str:
    """`text` as SQLite (UTF-8) can store it: lone surrogates replaced, nothing else touched."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def storable_or_none(text: str | None) -> str | None:
    return None if text is None else storable(text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clipped(text: str, limit: int) -> str:
    """`text` within `limit` characters, an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def displayable(text: str) -> str:
    """`text` safe to print on a terminal or show in a widget: one line, no control or bidi character raw."""
    text = storable(text)
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _WHITESPACE_CONTROLS.sub(" ", text)
    return _SHOWN_ESCAPED.sub(_escape, text)
