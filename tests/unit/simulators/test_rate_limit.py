from __future__ import annotations

from desktop_app.simulators.faults import RequestRateLimit


def test_a_sliding_second_allows_n_requests() -> None:
    now = [0.0]
    limit = RequestRateLimit(2.0, lambda: now[0])
    assert [limit.exceeded() for _ in range(3)] == [False, False, True]
    now[0] = 0.999
    assert limit.exceeded()
    now[0] = 1.0
    assert not limit.exceeded()


def test_no_limit_allows_everything() -> None:
    limit = RequestRateLimit(None, lambda: 0.0)
    assert not any(limit.exceeded() for _ in range(1000))
