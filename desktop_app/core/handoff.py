"""The line protocol between `jobtray add` / `jobtray open` and a running tray, over the single-instance socket.

One request per connection, one line each way, UTF-8, at most `MAX_LINE_BYTES` with its newline:

    client: activate\\n                         show the window (a second `jobtray`)
    client: watch {"account": "pdfs", "job_id": "6YSZ...", "label": "invoice", "announce": false}\\n
    tray:   ok {"created": true}\\n             the job is in the tray, its first check sent
    tray:   refused <one line>\\n               nothing added (unknown account, bad ID ...)

The tray treats every request as untrusted (another program of the same user may write to the socket): it parses
with `parse_request`, which refuses anything but these shapes, and validates the account and the ID itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MAX_LINE_BYTES = 4096
MAX_LABEL = 200
ACTIVATE = b"activate\n"
_WATCH = "watch "


class HandOffError(ValueError):
    """A request or reply that is not of the protocol."""


@dataclass(frozen=True, slots=True)
class WatchRequest:
    """Watch `job_id` at `account`; `announce`: tell the user with a notification (a job from a link)."""

    account: str
    job_id: str
    label: str | None = None
    announce: bool = False


@dataclass(frozen=True, slots=True)
class Activate:
    pass


def encode_watch(request: WatchRequest) -> bytes:
    payload = {
        "account": request.account,
        "job_id": request.job_id,
        "label": request.label,
        "announce": request.announce,
    }
    line = (_WATCH + json.dumps(payload, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")
    if len(line) > MAX_LINE_BYTES:
        raise HandOffError("the request is too long to hand over")
    return line


def parse_request(line: bytes) -> WatchRequest | Activate:
    """One request line (with or without its newline); HandOffError for anything else."""
    if len(line) > MAX_LINE_BYTES:
        raise HandOffError("request too long")
    if line.rstrip(b"\n") == ACTIVATE.rstrip(b"\n"):
        return Activate()
    try:
        text = line.decode("utf-8").rstrip("\n")
    except UnicodeDecodeError as exc:
        raise HandOffError("request is not UTF-8") from exc
    if not text.startswith(_WATCH) or "\n" in text:
        raise HandOffError("unknown request")
    try:
        payload = json.loads(text[len(_WATCH) :])
    except (ValueError, RecursionError) as exc:
        raise HandOffError("request is not JSON") from exc
    if not isinstance(payload, dict) or set(payload) - {"account", "job_id", "label", "announce"}:
        raise HandOffError("request has unknown fields")
    account, job_id = payload.get("account"), payload.get("job_id")
    label, announce = payload.get("label"), payload.get("announce", False)
    if not isinstance(account, str) or not account or not isinstance(job_id, str) or not job_id:
        raise HandOffError("request needs an account and a job_id")
    if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL):
        raise HandOffError("bad label")
    if not isinstance(announce, bool):
        raise HandOffError("bad announce")
    return WatchRequest(account, job_id, label or None, announce)


def encode_reply(created: bool | None, refusal: str | None = None) -> bytes:
    """`ok {...}` or `refused <text>` (the text on one line, cut to fit)."""
    if refusal is not None:
        one_line = " ".join(refusal.split())
        line = f"refused {one_line}"
        encoded = line.encode("utf-8")[: MAX_LINE_BYTES - 1].decode("utf-8", "ignore")
        return (encoded + "\n").encode("utf-8")
    return (f"ok {json.dumps({'created': bool(created)})}\n").encode("ascii")


@dataclass(frozen=True, slots=True)
class Reply:
    ok: bool
    created: bool = False
    refusal: str | None = None


def parse_reply(line: bytes) -> Reply:
    if len(line) > MAX_LINE_BYTES:
        raise HandOffError("reply too long")
    text = line.decode("utf-8", "replace").rstrip("\n")
    if text.startswith("refused "):
        return Reply(False, refusal=text[len("refused ") :])
    if text.startswith("ok "):
        try:
            payload = json.loads(text[3:])
        except ValueError as exc:
            raise HandOffError("bad reply") from exc
        if isinstance(payload, dict):
            return Reply(True, created=payload.get("created") is True)
    raise HandOffError("bad reply")
