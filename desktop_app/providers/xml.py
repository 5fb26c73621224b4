"""Safe XML for the providers that answer in XML (iPaper, encoding.com).

Rules, so no provider has to remember them:
- A body with a DTD or an entity declaration is refused before the parser sees it: no billion laughs, no external
  entities, whatever the XML library's defaults are this year.
- Every parser failure becomes a ProtocolError; nothing else leaves `parse_xml`.
- Elements are found by name (local name, case-insensitive), never by position, as iPaper's docs ask; values are
  trimmed, because iPaper pads its CDATA with spaces and newlines.
"""

from __future__ import annotations

import re
from typing import Any
from xml.parsers.expat import ExpatError

import xmltodict

from desktop_app.core.errors import ProtocolError

# Case-insensitive: "<!doctype" is as dangerous as "<!DOCTYPE" to a lenient parser.
_FORBIDDEN = re.compile(r"<!\s*(doctype|entity)", re.IGNORECASE)


def parse_xml(body: bytes | str, provider: str) -> tuple[str, Any]:
    """The root element's (local name, content) as xmltodict gives it; ProtocolError for anything else.

    Args:
        body: the raw answer; bytes must be UTF-8 (both vendors say so), a BOM is allowed.
        provider: the display name used in error messages.
    """
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"{provider} answer is not UTF-8 text") from exc
    else:
        text = body.removeprefix("\ufeff")
    if _FORBIDDEN.search(text):
        raise ProtocolError(f"{provider} answer contains a DTD or entity declaration; refused")
    if not text.strip():
        raise ProtocolError(f"{provider} answer is empty")
    try:
        # encoding="utf-8" overrides any encoding the document declares: we already decoded it.
        parsed = xmltodict.parse(text, encoding="utf-8", disable_entities=True)
    except (ExpatError, ValueError, TypeError, RecursionError, UnicodeError) as exc:
        raise ProtocolError(f"{provider} answer is not well-formed XML") from exc
    if not isinstance(parsed, dict) or len(parsed) != 1:
        raise ProtocolError(f"{provider} answer has no single root element")
    ((name, content),) = parsed.items()
    return local_name(str(name)), content


def local_name(name: str) -> str:
    """`ns:Result` -> `result`: names compare without prefix and case."""
    return name.rsplit(":", 1)[-1].casefold()


def children(node: Any, name: str) -> list[Any]:
    """Every child element of `node` called `name` (xmltodict gives one child as a value, several as a list)."""
    if not isinstance(node, dict):
        return []
    wanted = name.casefold()
    found: list[Any] = []
    for key, value in node.items():
        if isinstance(key, str) and not key.startswith(("@", "#")) and local_name(key) == wanted:
            found.extend(value if isinstance(value, list) else [value])
    return found


def child(node: Any, name: str) -> Any:
    """The first child element called `name`, or None."""
    found = children(node, name)
    return found[0] if found else None


def descendant(node: Any, name: str, depth: int = 8) -> Any:
    """The first element called `name` at any depth (breadth-first, bounded), or None."""
    level: list[Any] = [node]
    for _ in range(depth):
        following: list[Any] = []
        for item in level:
            hit = children(item, name)
            if hit:
                return hit[0]
            if isinstance(item, dict):
                for key, value in item.items():
                    if isinstance(key, str) and not key.startswith(("@", "#")):
                        following.extend(value if isinstance(value, list) else [value])
        level = following
    return None


def text(value: Any) -> str | None:
    """An element's text, trimmed; None for a missing or empty element or one that has only child elements."""
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return None
