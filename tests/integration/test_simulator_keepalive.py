"""A simulator answers a kept-alive request in one piece (headers and body in one send).

http.server wrote the headers and the body in two sends; on a kept-alive connection Nagle held the body back until
the client's delayed ACK of the headers (~40 ms a request, bench/keepalive.py). This checks the cause, not a time:
each answer arrives whole in the first read.
"""

from __future__ import annotations

import socket

from desktop_app.simulators.server import SimResponse, SimulatorServer

_BODY = b'{"status": "working", "remainingCredits": 60227}'


def test_each_kept_alive_answer_arrives_whole_in_one_read() -> None:
    server = SimulatorServer(lambda _request: SimResponse(200, _BODY)).start()
    try:
        host, port = server.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(5):
                conn.sendall(b"GET /v1/job/check?jobid=x HTTP/1.1\r\nHost: x\r\n\r\n")
                first = conn.recv(65536)
                assert first.startswith(b"HTTP/1.1 200")
                assert first.endswith(_BODY), first  # before: the headers alone; the body ~40 ms later
    finally:
        server.stop()
    assert server.request_count == 5
