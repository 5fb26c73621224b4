"""`cli.watch.StopSignals`: a stop signal becomes `Stopped` in the main thread, waits while an outcome is being
recorded (shielded), is raised once, and the previous handlers come back."""

from __future__ import annotations

import signal

import pytest

from desktop_app.cli.watch import Stopped, StopSignals


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_becomes_stopped_with_its_exit_code(signum: signal.Signals, code: int) -> None:
    before = signal.getsignal(signum)
    with StopSignals(), pytest.raises(Stopped) as caught:
        signal.raise_signal(signum)
    assert caught.value.exit_code == code
    assert signal.getsignal(signum) == before


def test_a_signal_inside_the_shield_waits_for_its_end_and_comes_once() -> None:
    recorded: list[str] = []
    with StopSignals() as signals, pytest.raises(Stopped):
        with signals.shielded():
            signal.raise_signal(signal.SIGTERM)
            recorded.append("outcome written")  # not interrupted
            signal.raise_signal(signal.SIGINT)  # a second signal: noted, not raised again
        recorded.append("never reached")
    assert recorded == ["outcome written"]
    assert signals.signum == signal.SIGTERM and signals.stopping


def test_once_stopping_further_signals_are_ignored() -> None:
    with StopSignals() as signals:
        signals.stopping = True
        signal.raise_signal(signal.SIGINT)  # the stop itself is under way: nothing raised
    assert signals.signum == signal.SIGINT
