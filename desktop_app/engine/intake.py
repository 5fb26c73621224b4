"""The intake (core/intake.py) with what it needs from below the fronts: the registry's ID specs and display names,
and the vendors' creation replies (`providers/replies.py`). The terminal, the tray and the hand-off all come here."""

from __future__ import annotations

from collections.abc import Sequence

from desktop_app.core import ids
from desktop_app.core.errors import ConfigError
from desktop_app.core.intake import IdBook, Placed, place_given, place_text
from desktop_app.core.model import Account
from desktop_app.providers.replies import parse_reply, searchable_text


def id_book() -> IdBook:
    """The providers' ID specs and display names, live views of the registry (providers defined later count)."""
    from desktop_app.providers.registry import DISPLAY_NAMES, ID_SPECS

    return IdBook(ID_SPECS, DISPLAY_NAMES)


def place_input(
    accounts: Sequence[Account], raw: bytes, account_name: str | None, label: str | None, warnings: list[str]
) -> list[Placed]:
    """The jobs in piped input: a vendor's reply (VendorError when it reports an error), else text searched for
    IDs as `add TEXT` does."""
    book = id_book()
    reply = parse_reply(raw)
    if reply is not None:
        placed = place_given(
            accounts, reply.provider, reply.job_id, account_name, book, label=reply.label, warnings=warnings
        )
        return [Placed(placed.account, placed.job_id, label or placed.label)]
    text = searchable_text(raw)  # a JSON document's numbers are never IDs (issue 20: remainingCredits)
    if not raw.decode("utf-8", "replace").strip():
        raise ConfigError("nothing on standard input: pipe a vendor's reply or text holding job IDs")
    # Several words: searched with each provider's careful patterns, never taken as one given token.
    token = text if not ids.is_single_token(text) else text.strip()
    return place_text(accounts, [token], account_name, book, warnings=warnings, label=label)
