"""The hand-off line protocol: what the CLI sends, and everything else refused by the tray's parser."""

from __future__ import annotations

import pytest

from desktop_app.core.handoff import (
    MAX_LINE_BYTES,
    Activate,
    HandOffError,
    Reply,
    WatchRequest,
    encode_reply,
    encode_watch,
    parse_reply,
    parse_request,
)


def test_round_trip() -> None:
    request = WatchRequest("pdfs", "6YSZ--1-2", "invoice \u00e9", announce=True)
    assert parse_request(encode_watch(request)) == request
    assert isinstance(parse_request(b"activate\n"), Activate)
    assert parse_reply(encode_reply(True)) == Reply(True, created=True)
    assert parse_reply(encode_reply(None, "no account\nnamed x")) == Reply(False, refusal="no account named x")


@pytest.mark.parametrize(
    "line",
    [
        b"watch {}\n",
        b"watch []\n",
        b'watch {"account": "a"}\n',
        b'watch {"account": "a", "job_id": 5}\n',
        b'watch {"account": "a", "job_id": "x", "run": "rm -rf"}\n',
        b'watch {"account": "a", "job_id": "x", "announce": "yes"}\n',
        b"watch " + b"{" * 5000 + b"\n",
        b"delete everything\n",
        b"\xff\xfe\n",
    ],
)
def test_anything_else_is_refused(line: bytes) -> None:
    with pytest.raises(HandOffError):
        parse_request(line)


def test_requests_are_bounded() -> None:
    with pytest.raises(HandOffError):
        encode_watch(WatchRequest("a", "x" * MAX_LINE_BYTES))
