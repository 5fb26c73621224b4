"""encoding.com GetStatus: `POST {base}/` with one form field `xml` holding the query.

Request: `<query>` with `userid` (the account's user ID), `userkey` (the secret), `action` GetStatus, `extended`
yes and `mediaid` as a comma list: every open media of an account in one request, as the vendor advises.
Answer: `<response><job/>...</response>` (extended) or one flat `<response>` (basic); errors come as
`<response><errors><error/></errors></response>` **with HTTP 200**. 421 "Request Rate over limit" and 5xx are
retried later. How unknown media IDs, odd statuses and progress are read is written in docs/PROVIDERS.md.

One request carries many media: a bad part of the answer about one media (a `<job>` without a status) is that
media's problem only. `check` then raises PartialAnswer with the good statuses and the failed IDs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from xml.sax.saxutils import escape

from desktop_app.core.errors import AuthError, PartialAnswer, ProtocolError, RateLimited
from desktop_app.core.ids import IdSpec
from desktop_app.core.model import JobState, Status
from desktop_app.core.schedule import PollPolicy
from desktop_app.core.text import storable
from desktop_app.providers.base import (
    HttpProvider,
    HttpResponse,
    raise_for_common_errors,
    result_link,
    server_text,
    short_text,
)
from desktop_app.providers.xml import child, children, parse_xml, text

DISPLAY = "encoding.com"
RATE_LIMIT_RETRY_SECONDS = 1.0  # when a 421 carries no Retry-After: what the vendor's own sample code waits
MAX_REQUESTS_PER_CHECK = 4  # follow-ups only after an answer named unknown IDs or left some out
MAX_NARROWING_REQUESTS = 16  # halving a batch whose "not found" names no ID: enough for one unknown among 200

STATES: dict[str, JobState] = {
    "new": JobState.QUEUED,
    "downloading": JobState.RUNNING,
    "downloaded": JobState.RUNNING,
    "ready to process": JobState.RUNNING,
    "waiting for encoder": JobState.RUNNING,
    "processing": JobState.RUNNING,
    "saving": JobState.RUNNING,
    "finished": JobState.SUCCEEDED,  # or PARTIAL when an output failed
    "error": JobState.FAILED,
    "stopped": JobState.CANCELLED,
    "stopped perform": JobState.CANCELLED,  # one client library's spelling
    "deleted": JobState.CANCELLED,
    # What GetStatus says after CancelMedia in video-dev/video-transcoding-api's recorded fake
    # (internal/provider/encodingcom/encodingcom_server_test.go); both spellings.
    "canceled": JobState.CANCELLED,
    "cancelled": JobState.CANCELLED,
}

_AUTH_ERROR = re.compile(r"wrong\s+user\s*id|user\s*id\s+or\s+key|user\s*key|authenticat", re.IGNORECASE)
_NOT_FOUND_ERROR = re.compile(
    r"not\s+found|not\s+exist|doesn'?t\s+exist|no\s+such|unknown\s+media|(wrong|invalid)\s+media|not\s+belong",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[0-9]+")  # ASCII digits only (a bare backslash-d matches digits of any script)


def build_query(userid: str, userkey: str, media_ids: Sequence[str]) -> str:
    """The GetStatus query document; every value escaped."""
    return (
        '<?xml version="1.0"?>\n<query>'
        f"<userid>{escape(userid)}</userid><userkey>{escape(userkey)}</userkey>"
        "<action>GetStatus</action><extended>yes</extended>"
        f"<mediaid>{escape(','.join(media_ids))}</mediaid></query>"
    )


def raise_for_http_error(response: HttpResponse) -> None:
    if response.status == 200:
        return
    if response.status == 421:
        # "Request Rate over limit": documented as retryable; the wait is ours to choose when no header says.
        retry_after = response.retry_after()
        raise RateLimited(
            f"{DISPLAY} says the request rate is over the limit (HTTP 421)",
            retry_after if retry_after is not None else RATE_LIMIT_RETRY_SECONDS,
        )
    raise_for_common_errors(response)
    if response.status in (401, 403):
        raise AuthError(f"{DISPLAY} refused the request (HTTP {response.status}); check the user ID and key")
    if response.status == 404:
        raise ProtocolError(f"{DISPLAY} has no API at this base URL (HTTP 404); check the base URL")
    raise ProtocolError(f"{DISPLAY} answered HTTP {response.status}")


_DECIMAL = re.compile(
    r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?"
)  # ASCII only: `float` also reads fullwidth digits, "1_0", "1e1"


def _number(value: Any) -> float | None:
    raw = text(value)
    if raw is None or not _DECIMAL.fullmatch(raw):
        return None
    number = float(raw)
    return number if math.isfinite(number) else None


def _safe_link(url: str | None) -> str | None:
    """An http(s) link worth opening; destinations often embed credentials (user:pass@), which `result_link`
    refuses (core/urls.py, for every provider)."""
    return result_link(url)


def _output_problems(job: Any) -> tuple[list[str], str | None]:
    """(what failed among the formats and destinations, a link to the first good output)."""
    problems: list[str] = []
    link: str | None = None
    for fmt in children(job, "format"):
        status = text(child(fmt, "status"))
        if status is not None and status.casefold().startswith("error"):
            reason = text(child(fmt, "description")) or status
            problems.append(f"output {text(child(fmt, 'id')) or '?'}: {reason}")
            continue
        for dest_status in children(fmt, "destination_status"):
            value = text(dest_status)
            if value is not None and value.casefold().startswith("error"):
                problems.append(f"destination: {value}")
        if link is None:
            for name in ("s3_destination", "cf_destination", "destination"):
                for candidate in children(fmt, name):
                    link = link or _safe_link(text(candidate))
    return problems, link


def parse_job(job_id: str, job: Any) -> Status:
    """One media's element (`<job>` or a flat `<response>`) as a Status."""
    raw = text(child(job, "status"))
    if raw is None:
        raise ProtocolError(f"{DISPLAY} answer has no status for media {job_id}")
    shown_status = storable(" ".join(raw.split()))
    key = shown_status.casefold()
    description = text(child(job, "description"))
    state = STATES.get(key)
    message = server_text(description)
    if state is None:
        # No official status list exists: an unheard-of status keeps the job watched, and says so.
        state = JobState.RUNNING
        message = server_text(f"{DISPLAY} reported a status JobTray does not know: {shown_status[:80]}")
    result_url: str | None = None
    if state == JobState.SUCCEEDED:
        problems, result_url = _output_problems(job)
        if problems:
            state = JobState.PARTIAL
            shown = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
            message = server_text(f"Finished, but {len(problems)} output(s) failed: {shown}")
    elif state == JobState.FAILED and message is None:
        message = f"{DISPLAY} reported Error without a description"
    progress: float | None = None
    eta: float | None = None
    if state.is_terminal:
        progress = 100.0 if state in (JobState.SUCCEEDED, JobState.PARTIAL) else None
    else:
        number = _number(child(job, "progress"))
        # 100 while not finished is a known encoding.com quirk (seen with "Waiting for encoder"): not done.
        progress = max(0.0, number) if number is not None and number < 100.0 else None
        left = _number(child(job, "time_left"))
        eta = left if left is not None and left > 0 else None
    return Status(
        job_id=job_id,
        state=state,
        provider_status=shown_status,
        progress=progress,
        message=message,
        result_url=result_url,
        eta_seconds=eta,
    )


class UnnamedNotFound(ProtocolError):
    """The whole answer to a batch says a media is not found without naming it ("media not found"): which one
    cannot be told from this answer; asking halves of the batch can (`EncodingComProvider.check`)."""


def _not_found(job_id: str, message: str) -> Status:
    return Status(job_id=job_id, state=JobState.NOT_FOUND, provider_status="error", message=server_text(message))


@dataclass
class Answer:
    """What one GetStatus answer said: good statuses, and the asked IDs whose part was bad (ID -> message)."""

    statuses: dict[str, Status] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def parse_status(asked: Sequence[str], body: bytes | str) -> dict[str, Status]:
    """A GetStatus answer as {media ID: Status} for the IDs it speaks about.

    An error naming an asked ID as unknown becomes that ID's not_found Status; the rest of the batch is kept.
    Returns an empty dict only for a well-formed answer that names none of `asked` (the caller decides).
    Raises AuthError for rejected credentials, PartialAnswer when the part about some asked IDs is bad, and
    ProtocolError for anything that is not a GetStatus answer.
    """
    answer = _parse_answer(asked, body)
    if answer.failed:
        raise _partial(answer, len(set(asked)))
    return answer.statuses


def _partial(answer: Answer, asked: int) -> PartialAnswer:
    return PartialAnswer(
        f"{DISPLAY} answered badly about {len(answer.failed)} of {asked} media: "
        + short_text("; ".join(f"{k}: {v}" for k, v in answer.failed.items())),
        tuple(answer.statuses.values()),
        answer.failed,
    )


def _parse_answer(asked: Sequence[str], body: bytes | str) -> Answer:
    root, response = parse_xml(body, DISPLAY)
    if root != "response":
        raise ProtocolError(f"{DISPLAY} answer is not a <response>")
    wanted = list(dict.fromkeys(asked))
    wanted_set = set(wanted)
    errors = [t for errs in children(response, "errors") for e in children(errs, "error") if (t := text(e))]
    errors += [t for e in children(response, "error") if (t := text(e))]
    for error in errors:
        if _AUTH_ERROR.search(error):
            raise AuthError(f"{DISPLAY} rejected the user ID or key")
    answer = Answer()
    answers = answer.statuses
    unexplained: list[str] = []
    for error in errors:
        named = [n for n in _NUMBER.findall(error) if n in wanted_set]
        if _NOT_FOUND_ERROR.search(error) and (named or len(wanted) == 1):
            for job_id in named or wanted:
                answers[job_id] = _not_found(job_id, error)
        else:
            unexplained.append(error)
    jobs = children(response, "job")
    if not jobs and child(response, "status") is not None:
        jobs = [response]  # basic mode: the media's fields sit directly in <response>
    if unexplained and not jobs and not answers:
        reported = f"{DISPLAY} reported: {short_text('; '.join(unexplained))}"
        if all(_NOT_FOUND_ERROR.search(error) for error in unexplained):
            raise UnnamedNotFound(reported)
        raise ProtocolError(reported)
    for job in jobs:
        job_id = text(child(job, "id")) or text(child(job, "mediaid"))
        if job_id is None and len(jobs) == 1 and len(wanted) == 1:
            job_id = wanted[0]
        if job_id is None or job_id not in wanted_set or job_id in answer.failed:
            # A job without an ID or for a media we did not ask about says nothing about the asked ones. Asked IDs
            # left unanswered are asked again (see `check`).
            continue
        try:
            status = parse_job(job_id, job)
        except ProtocolError as exc:
            answers.pop(job_id, None)
            answer.failed[job_id] = str(exc)
            continue
        earlier = answers.get(job_id)
        if earlier is not None and (earlier.state, earlier.provider_status) != (status.state, status.provider_status):
            # One answer saying two things about a media (Finished, then Error): neither is believed (issue 20).
            del answers[job_id]
            answer.failed[job_id] = (
                f"{DISPLAY} answer contradicts itself about media {job_id}: "
                f"{short_text(earlier.provider_status, 40)} and {short_text(status.provider_status, 40)}"
            )
            continue
        answers.setdefault(job_id, status)  # the same thing said twice is said once
    return answer


class EncodingComProvider(HttpProvider):
    name: ClassVar[str] = "encodingcom"
    display_name: ClassVar[str] = DISPLAY
    # Media IDs are positive integers; in prose only runs of 5-12 digits count.
    id_spec: ClassVar[IdSpec] = IdSpec(
        valid=re.compile(r"[1-9][0-9]{0,11}"),
        find=re.compile(r"(?<![^\W_]|[.:/-])[1-9][0-9]{4,11}(?![^\W_]|[.:])"),
        near=re.compile(r"(?<![^\W_]|[.:/-])(?=[0-9]*[^\x00-\x7f])\d{5,12}(?![^\W_]|[.:])"),  # other scripts' digits
        url_params=("mediaid", "MediaID", "media_id"),
        documented="a positive integer",
    )
    poll_policy: ClassVar[PollPolicy] = PollPolicy(min_interval=2.5, max_interval=300.0)  # video: minutes to hours
    default_base_url: ClassVar[str] = "https://manage.encoding.com"
    max_batch: ClassVar[int] = 200  # one request per round for any realistic account; split only beyond this
    default_rate_limit: ClassVar[str] = "1/s"  # plan-dependent and undocumented; one batched request a round
    secret_name: ClassVar[str] = "user key"  # noqa: S105 - a label, not a secret

    def check(self, job_ids: Sequence[str]) -> list[Status]:
        userid = (self.config.username or "").strip()
        if not userid:
            raise AuthError(f"{DISPLAY} needs the account's user ID: add the account again with --username")
        wanted = list(dict.fromkeys(job_ids))
        total = Answer()
        pending = wanted
        for attempt in range(MAX_REQUESTS_PER_CHECK):
            try:
                answer = self._ask(userid, pending)
            except UnnamedNotFound:
                if attempt > 0:
                    break  # the rest is asked again next round
                answer = self._narrow(userid, pending)
                if not answer.statuses and not answer.failed:
                    raise
            if not answer.statuses and not answer.failed:
                if attempt == 0:
                    raise ProtocolError(f"{DISPLAY} answer has no status for any media we asked about")
                # A follow-up asked only for IDs the server left out, and it still says nothing about them.
                answer.statuses = {j: _not_found(j, f"{DISPLAY} returned no status for this media ID") for j in pending}
            total.statuses.update(answer.statuses)
            total.failed.update(answer.failed)
            pending = [j for j in pending if j not in total.statuses and j not in total.failed]
            if not pending:
                break
        # IDs still pending after the cap are simply not reported: they are asked again next round.
        total.statuses = {j: total.statuses[j] for j in wanted if j in total.statuses}
        if total.failed:
            raise _partial(total, len(wanted))
        return list(total.statuses.values())

    def _narrow(self, userid: str, media_ids: Sequence[str]) -> Answer:
        """Halves of a batch whose answer was an unnamed "not found", each asked on its own, halved again while
        the answer still cannot say which media it means, at most MAX_NARROWING_REQUESTS requests. A media alone
        that is "not found" is not_found (`_parse_answer`). Rate limiting ends the narrowing: what was learned is
        kept, the rest is asked again next round."""
        total = Answer()
        groups = [list(media_ids[: len(media_ids) // 2]), list(media_ids[len(media_ids) // 2 :])]
        sent = 0
        while groups and sent < MAX_NARROWING_REQUESTS:
            group = groups.pop(0)
            sent += 1
            try:
                answer = self._ask(userid, group)
            except UnnamedNotFound:
                half = len(group) // 2
                groups[:0] = [group[:half], group[half:]]  # depth first: the unknown one is found soonest
                continue
            except RateLimited:
                break
            total.statuses.update(answer.statuses)
            total.failed.update(answer.failed)
        return total

    def _ask(self, userid: str, media_ids: Sequence[str]) -> Answer:
        query = build_query(userid, self.config.secret.reveal(), media_ids)
        response = self.transport.request(
            "POST", "/", headers={"Accept": "text/xml, application/xml"}, form={"xml": query}
        )
        raise_for_http_error(response)
        return _parse_answer(media_ids, response.body)
