"""encoding.com GetMediaList (version 3): the account's media created since a date, a page at a time, for account
discovery (`engine/discovery.py`). Same endpoint and envelope as GetStatus (`providers/encodingcom.py`).

Request: `<query>` with `userid`, `userkey`, `action` GetMediaList, `version` 3, `date_from` ("YYYY-MM-DD HH:MM:SS",
see docs/PROVIDERS.md for the time zone), `page` (from 1) and `per_page` (100, the most we ask for).
Answer: `<response><media><mediafile/><mediaid/><mediastatus/><createdate/>...</media>...</response>`, newest first;
no `<media>` at all on a page past the end. Errors come as `<errors><error/></errors>` with HTTP 200.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

from desktop_app.core.errors import AuthError, ProtocolError
from desktop_app.providers.base import HttpProvider, short_text
from desktop_app.providers.encodingcom import _AUTH_ERROR, DISPLAY, STATES, raise_for_http_error
from desktop_app.providers.xml import child, children, parse_xml, text

PER_PAGE = 100
_MEDIA_ID = re.compile(r"[1-9][0-9]{0,11}")  # as EncodingComProvider.id_spec.valid: ASCII digits only
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_NO_DATE = "0000-00-00 00:00:00"


@dataclass(frozen=True, slots=True)
class Media:
    """One listed media: its ID, status, source file name, and its creation time read as UTC (None if unset)."""

    media_id: str
    status: str
    source_name: str | None
    created: datetime | None

    @property
    def finished(self) -> bool:
        """In a terminal state already (finished, failed, stopped): nothing to watch."""
        state = STATES.get(" ".join(self.status.split()).casefold())
        return state is not None and state.is_terminal


@dataclass(frozen=True, slots=True)
class MediaPage:
    media: tuple[Media, ...]
    full: bool  # as many media as asked for: there may be another page


def build_list_query(userid: str, userkey: str, date_from: datetime, page: int) -> str:
    stamp = date_from.astimezone(UTC).strftime(DATE_FORMAT)
    return (
        '<?xml version="1.0"?>\n<query>'
        f"<userid>{escape(userid)}</userid><userkey>{escape(userkey)}</userkey>"
        "<action>GetMediaList</action><version>3</version>"
        f"<date_from>{stamp}</date_from><page>{int(page)}</page><per_page>{PER_PAGE}</per_page></query>"
    )


def source_name(url: str | None) -> str | None:
    """The source file's name (the label of a discovered job): the last path segment of its URL."""
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    name = unquote(path.rstrip("/").rsplit("/", 1)[-1]).strip()
    return name[:200] or None


def parse_date(value: str | None) -> datetime | None:
    if not value or value.strip() == _NO_DATE:
        return None
    try:
        return datetime.strptime(value.strip(), DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_media_list(body: bytes | str, asked: int = PER_PAGE) -> MediaPage:
    root, response = parse_xml(body, DISPLAY)
    if root != "response":
        raise ProtocolError(f"{DISPLAY} answer is not a <response>")
    errors = [t for errs in children(response, "errors") for e in children(errs, "error") if (t := text(e))]
    if errors:
        if any(_AUTH_ERROR.search(e) for e in errors):
            raise AuthError(f"{DISPLAY} rejected the user ID or key")
        raise ProtocolError(f"{DISPLAY} reported: {short_text('; '.join(errors))}")
    found: list[Media] = []
    for item in children(response, "media"):
        media_id = text(child(item, "mediaid")) or text(child(item, "id"))
        status = text(child(item, "mediastatus")) or text(child(item, "status"))
        if media_id is None or not _MEDIA_ID.fullmatch(media_id) or status is None:
            # A media we cannot watch (no ID, an ID in digits of another script: `isdigit` took them): skipped, the
            # rest of the page is still read.
            continue
        found.append(
            Media(
                media_id,
                status,
                source_name(text(child(item, "mediafile"))),
                parse_date(text(child(item, "createdate"))),
            )
        )
    return MediaPage(tuple(found), full=len(children(response, "media")) >= asked)


def list_media(provider: HttpProvider, date_from: datetime, page: int) -> MediaPage:
    """One GetMediaList page (blocking HTTP); raises core.errors only."""
    userid = (provider.config.username or "").strip()
    if not userid:
        raise AuthError(f"{DISPLAY} needs the account's user ID: add the account again with --username")
    query = build_list_query(userid, provider.config.secret.reveal(), date_from, page)
    response = provider.transport.request(
        "POST", "/", headers={"Accept": "text/xml, application/xml"}, form={"xml": query}
    )
    raise_for_http_error(response)
    return parse_media_list(response.body)


def media_ids(page: MediaPage) -> Sequence[str]:
    return [m.media_id for m in page.media]
