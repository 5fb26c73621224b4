"""Safe XML for the providers that answer in XML (iPaper, encoding.com).

Rules, so no provider has to remember them:
- No DTD at all: the parser refuses a document type declaration the moment it meets one (a hook on expat's
  StartDoctypeDeclHandler, so text that merely contains `<!DOCTYPE`, in CDATA or a comment, is fine), and
  xmltodict (1.0: `disable_entities=True`, its default) refuses every entity declaration, internal, external or
  parameter. So no billion laughs, no external entities, no undeclared entities silently skipped because an
  external DTD might have declared them. Tests keep each hostile document refused, whatever the library does.
- Every parser failure becomes a ProtocolError; nothing else leaves `parse_xml`.
- Elements are found by name (local name, case-insensitive), never by position, as iPaper's docs ask; values are
  trimmed, because iPaper pads its CDATA with spaces and newlines.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from xml.parsers import expat
from xml.parsers.expat import ExpatError

import xmltodict

from desktop_app.core.errors import ProtocolError


class _DoctypeRefused(ValueError):
    pass


def _refuse_doctype(*_args: Any) -> None:
    raise _DoctypeRefused("document type declarations are refused")


def _parser_create(*args: Any, **kwargs: Any) -> Any:
    """expat.ParserCreate with our DTD refusal installed; xmltodict adds its own handlers after this."""
    parser = expat.ParserCreate(*args, **kwargs)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    return parser


# What xmltodict calls as its `expat` module: the real one, but with our parser factory.
_EXPAT = SimpleNamespace(ParserCreate=_parser_create, ExpatError=ExpatError, errors=expat.errors)


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
    if not text.strip():
        raise ProtocolError(f"{provider} answer is empty")
    try:
        # encoding="utf-8" overrides any encoding the document declares: we already decoded it.
        parsed = xmltodict.parse(text, encoding="utf-8", disable_entities=True, expat=_EXPAT)
    except _DoctypeRefused as exc:
        raise ProtocolError(f"{provider} answer contains a DTD; refused") from exc
    except (ExpatError, ValueError, TypeError, RecursionError, UnicodeError) as exc:
        # xmltodict raises ValueError("entities are disabled") for any entity declaration.
        detail = "an entity declaration; refused" if "entities are disabled" in str(exc) else None
        raise ProtocolError(
            f"{provider} answer contains {detail}" if detail else f"{provider} answer is not well-formed XML"
        ) from exc
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


def descendants(node: Any, name: str, depth: int = 8) -> list[Any]:
    """Every element called `name` at any depth (bounded), in breadth-first order: to see whether an answer says
    one thing twice, or two things."""
    found: list[Any] = []
    level: list[Any] = [node]
    for _ in range(depth):
        following: list[Any] = []
        for item in level:
            found.extend(children(item, name))
            if isinstance(item, dict):
                for key, value in item.items():
                    if isinstance(key, str) and not key.startswith(("@", "#")) and local_name(key) != name.casefold():
                        following.extend(value if isinstance(value, list) else [value])
        level = following
    return found


def text(value: Any) -> str | None:
    """An element's text, trimmed; None for a missing or empty element or one that has only child elements."""
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return None
