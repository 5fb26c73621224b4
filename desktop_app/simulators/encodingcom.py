"""An encoding.com simulator: `POST /` with a form field `xml` holding a `<query>`, action GetStatus.

Errors come back with HTTP 200, as the real service does. Extended mode answers one `<job>` per media ID; basic
mode with one ID answers a flat `<response>`. An unknown media ID makes the whole answer an errors reply naming
each unknown ID (our decision: the real text is undocumented). It counts GetStatus requests and the media IDs each
one carried, so a test can prove one request per poll.

GetMediaList version 3 (account discovery) is read strictly: `version` 3, `date_from` as "YYYY-MM-DD HH:MM:SS",
`page` >= 1 and `per_page` 1-100 (anything else is an errors reply); it lists the media created at or after
`date_from`, newest first, `per_page` a page. Dates are written and read in the server's zone
(`utc_offset_hours`, 0 by default), so a test can play a server that does not speak UTC.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from desktop_app.core.errors import ProtocolError
from desktop_app.providers.xml import child, parse_xml, text
from desktop_app.simulators.faults import FaultQueue, RequestRateLimit
from desktop_app.simulators.script import JobBook, Step
from desktop_app.simulators.server import SimRequest, SimResponse

AUTH_ERROR = "Wrong user id or key!"
MAX_PER_PAGE = 100
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def new_job_id() -> str:
    """A media ID: a positive integer, like 5220424."""
    return str(secrets.randbelow(90_000_000) + 10_000_000)


@dataclass(frozen=True)
class Output:
    """One `<format>` of a media: its status and each destination's status."""

    status: str = "Finished"
    destinations: tuple[tuple[str, str], ...] = (("http://sim-bucket.s3.amazonaws.com/out.mp4", "Saved"),)
    description: str | None = None


@dataclass(frozen=True)
class MediaState:
    status: str
    progress: str = "0"
    time_left: str = "0"
    description: str | None = None
    outputs: tuple[Output, ...] = field(default_factory=tuple)


def _step(state: MediaState, checks: int | None, seconds: float | None) -> Step:
    return Step(state, checks=checks, seconds=seconds)


def new(checks: int | None = None, seconds: float | None = None) -> Step:
    return _step(MediaState("New"), checks, seconds)


def running(
    status: str = "Processing",
    progress: str = "50.0",
    time_left: str = "21",
    checks: int | None = None,
    seconds: float | None = None,
) -> Step:
    """Any in-progress status: Downloading, Downloaded, Ready to process, Waiting for encoder, Processing, Saving."""
    return _step(MediaState(status, progress, time_left), checks, seconds)


def waiting_for_encoder(checks: int | None = None, seconds: float | None = None) -> Step:
    """With the known quirk: progress 100 although nothing is encoded yet."""
    return _step(MediaState("Waiting for encoder", "100", "50"), checks, seconds)


def finished(outputs: Sequence[Output] = (Output(),)) -> Step:
    return _step(MediaState("Finished", "100", "0", outputs=tuple(outputs)), None, None)


def finished_with_failed_output() -> Step:
    return finished(
        [
            Output(),
            Output("Error", (), "Encoding error: unsupported codec"),
            Output("Finished", (("ftp://ftp.example.com/out.webm", "Error (Access denied)"),)),
        ]
    )


def error(description: str = "Download error: The requested URL returned error: 403 Forbidden") -> Step:
    return _step(MediaState("Error", "0", "0", description=description), None, None)


def stopped() -> Step:
    return _step(MediaState("Stopped"), None, None)


def deleted() -> Step:
    return _step(MediaState("Deleted"), None, None)


def _element(name: str, value: str | None) -> str:
    return f"<{name}>{escape(value or '')}</{name}>"


def _format_xml(index: int, output: Output) -> str:
    parts = [_element("id", str(index + 1)), _element("status", output.status)]
    if output.description:
        parts.append(_element("description", output.description))
    for destination, status in output.destinations:
        parts += [_element("destination", destination), _element("destination_status", status)]
    return "<format>" + "".join(parts) + "</format>"


def _media_fields(media_id: str, userid: str, state: MediaState) -> str:
    parts = [
        _element("id", media_id),
        _element("userid", userid),
        _element("sourcefile", "http://example.com/source.mov"),
        _element("status", state.status),
        _element("time_left", state.time_left),
        _element("progress", state.progress),
    ]
    if state.description:
        parts.append(_element("description", state.description))
    parts += [_format_xml(i, o) for i, o in enumerate(state.outputs)]
    return "".join(parts)


def errors_reply(*messages: str) -> str:
    items = "".join(_element("error", m) for m in messages)
    return f'<?xml version="1.0"?>\n<response><errors>{items}</errors></response>'


class EncodingComSimulator:
    """Answers GetStatus for scripted media of one account (user ID and key).

    Args:
        rate_limit_per_second: answer 421 "Request Rate over limit" beyond this many requests a second.
    """

    def __init__(
        self,
        userid: str,
        userkey: str,
        clock: Callable[[], float] = time.monotonic,
        rate_limit_per_second: float | None = None,
        *,
        utc_offset_hours: float = 0.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.userid = userid
        self.utc_offset = timedelta(hours=utc_offset_hours)
        self._wall = wall
        self.media: dict[str, tuple[datetime, str]] = {}  # media ID -> (created, UTC; source file URL)
        self.list_requests: list[tuple[str, int]] = []  # (date_from, page) of each GetMediaList
        self.userkey = userkey
        self.jobs = JobBook(clock)
        self.faults = FaultQueue()
        self.base_url = ""
        self.rate_limit = RequestRateLimit(rate_limit_per_second, clock)
        self._lock = threading.Lock()
        self.status_requests: list[list[str]] = []  # the media IDs of each GetStatus request, in order
        self._cancelled: set[str] = set()  # media cancelled with CancelMedia: GetStatus says "Canceled"
        self.unknown_text: str | None = None  # e.g. "media not found" (video-transcoding-api's fake), for every ID

    def add_job(
        self,
        steps: Sequence[Step],
        job_id: str | None = None,
        *,
        created: datetime | None = None,
        source: str = "http://example.com/source.mov",
    ) -> str:
        """A scripted media; `created` (UTC; default: now on the wall clock) and `source` as GetMediaList lists it."""
        media_id = self.jobs.add(job_id or new_job_id(), steps)
        when = created if created is not None else datetime.fromtimestamp(self._wall(), UTC)
        with self._lock:
            self.media[media_id] = (when.astimezone(UTC), source)
        return media_id

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path not in ("/", "") or request.method != "POST":
            return SimResponse(404, b"<html><body>Not Found</body></html>", "text/html")
        fault = self.faults.pop()
        if fault is not None:
            return fault
        if self.rate_limit.exceeded():
            return SimResponse(421, b"Request Rate over limit", "text/plain")
        values = request.form().get("xml")
        raw = values[0] if values else None
        if raw is None:
            return SimResponse.xml_body(errors_reply("No xml or json parameter"))
        try:
            root, query = parse_xml(raw, "query")
        except ProtocolError:
            return SimResponse.xml_body(errors_reply("Invalid XML"))
        if root != "query":
            return SimResponse.xml_body(errors_reply("Invalid XML: no query element"))
        return self._answer(query)

    def _answer(self, query: Any) -> SimResponse:
        if text(child(query, "userid")) != self.userid or text(child(query, "userkey")) != self.userkey:
            return SimResponse.xml_body(errors_reply(AUTH_ERROR))
        action = (text(child(query, "action")) or "").casefold()
        if action == "getmedialist":
            return self._media_list(query)
        if action == "cancelmedia":
            return self._cancel(text(child(query, "mediaid")) or "")
        if action != "getstatus":
            return SimResponse.xml_body(errors_reply(f"Wrong action: {text(child(query, 'action')) or ''}"))
        media_ids = [m.strip() for m in (text(child(query, "mediaid")) or "").split(",") if m.strip()]
        with self._lock:
            self.status_requests.append(media_ids)
        if not media_ids:
            return SimResponse.xml_body(errors_reply("MediaID is not indicated"))
        unknown = [m for m in media_ids if m not in self.jobs]
        if unknown:
            if self.unknown_text is not None:
                return SimResponse.xml_body(errors_reply(self.unknown_text))
            return SimResponse.xml_body(errors_reply(*(f"Media ID {m} not found" for m in unknown)))
        states: list[tuple[str, MediaState]] = []
        for media_id in media_ids:
            state = self.jobs.observe(media_id)
            assert isinstance(state, MediaState)
            with self._lock:
                if media_id in self._cancelled:
                    state = MediaState("Canceled", progress=state.progress)
            states.append((media_id, state))
        extended = (text(child(query, "extended")) or "").casefold() == "yes"
        if not extended and len(states) == 1:
            ((media_id, state),) = states
            body = f"<response>{_media_fields(media_id, self.userid, state)}</response>"
        else:
            jobs = "".join(f"<job>{_media_fields(m, self.userid, s)}</job>" for m, s in states)
            body = f"<response>{jobs}</response>"
        return SimResponse.xml_body('<?xml version="1.0"?>\n' + body)

    def _cancel(self, media_id: str) -> SimResponse:
        """CancelMedia as video-transcoding-api's recorded fake answers it: "Deleted"; GetStatus then says Canceled."""
        media_id = media_id.strip()
        if media_id not in self.jobs:
            return SimResponse.xml_body(errors_reply(self.unknown_text or f"Media ID {media_id} not found"))
        with self._lock:
            self._cancelled.add(media_id)
        return SimResponse.xml_body('<?xml version="1.0"?>\n<response><message>Deleted</message></response>')

    def _media_list(self, query: Any) -> SimResponse:
        if text(child(query, "version")) != "3":
            return SimResponse.xml_body(errors_reply("This simulator answers GetMediaList version 3 only"))
        raw_from = text(child(query, "date_from")) or ""
        try:
            local_from = datetime.strptime(raw_from, DATE_FORMAT)
        except ValueError:
            return SimResponse.xml_body(errors_reply(f"Wrong date_from: {raw_from}"))
        page_text, per_page_text = text(child(query, "page")) or "1", text(child(query, "per_page")) or "100"
        if not page_text.isdigit() or int(page_text) < 1:
            return SimResponse.xml_body(errors_reply(f"Wrong page: {page_text}"))
        if not per_page_text.isdigit() or not 1 <= int(per_page_text) <= MAX_PER_PAGE:
            return SimResponse.xml_body(errors_reply(f"Wrong per_page: {per_page_text}"))
        page, per_page = int(page_text), int(per_page_text)
        date_from = (local_from - self.utc_offset).replace(tzinfo=UTC)
        with self._lock:
            self.list_requests.append((raw_from, page))
            listed = sorted(
                (
                    (created, media_id, source)
                    for media_id, (created, source) in self.media.items()
                    if created >= date_from
                ),
                reverse=True,
            )
        items = []
        for created, media_id, source in listed[(page - 1) * per_page : page * per_page]:
            state = self.jobs.peek(media_id)
            assert isinstance(state, MediaState)
            shown = (created + self.utc_offset).strftime(DATE_FORMAT)
            fields = [
                _element("mediafile", source),
                _element("mediaid", media_id),
                _element("mediastatus", state.status),
                _element("createdate", shown),
                _element("startdate", shown),
                _element("finishdate", "0000-00-00 00:00:00"),
            ]
            items.append("<media>" + "".join(fields) + "</media>")
        return SimResponse.xml_body('<?xml version="1.0"?>\n<response>' + "".join(items) + "</response>")

    def list_requests_made(self) -> int:
        with self._lock:
            return len(self.list_requests)

    def requests_made(self) -> int:
        with self._lock:
            return len(self.status_requests)
