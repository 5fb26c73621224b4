from __future__ import annotations

import socket
import time

import pytest

from desktop_app.simulators.server import SimResponse, SimulatorServer


def test_a_client_hanging_up_mid_answer_prints_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    big = SimResponse(200, b"x" * (8 * 1024 * 1024), "application/octet-stream")
    server = SimulatorServer(lambda _request: big).start()
    try:
        host, port = server.base_url.removeprefix("http://").split(":")
        for _ in range(5):
            with socket.create_connection((host, int(port))) as conn:
                conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                conn.recv(1024)  # read the start of the answer, then hang up
            time.sleep(0.2)  # let the handler thread hit the closed socket
    finally:
        server.stop()
    assert "Traceback" not in capfd.readouterr().err


def test_segment_value_decodes_only_the_escapes_a_client_needed() -> None:
    from desktop_app.simulators.server import raw_path, segment_value

    assert segment_value("pdf0:job") == "pdf0:job"
    assert segment_value("pdf0%3Ajob") == "pdf0%3Ajob"  # an escape of a pchar stays literal, as on the vendor
    assert segment_value("a%2Fb%3Fc%23d%25e%20f") == "a/b?c#d%e f"
    assert segment_value("%C3%BCn%C3%AF") == "ünï"
    assert raw_path("//x/a%3Ab?q=1") == "//x/a%3Ab"
