from __future__ import annotations

import pickle

import pytest

from desktop_app.core.model import TERMINAL_STATES, JobState, Secret
from desktop_app.core.transitions import Event, events_for


def test_the_last_five_states_are_terminal() -> None:
    assert {s for s in JobState if s.is_terminal} == {
        JobState.SUCCEEDED,
        JobState.PARTIAL,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.NOT_FOUND,
    }
    assert {s for s in JobState if s.is_terminal} == TERMINAL_STATES
    assert not JobState.QUEUED.is_terminal and not JobState.RUNNING.is_terminal


def test_bad_endings_are_failed_cancelled_not_found() -> None:
    assert {s for s in JobState if s.is_bad_ending} == {JobState.FAILED, JobState.CANCELLED, JobState.NOT_FOUND}


def test_secret_hides_its_value_everywhere_but_reveal() -> None:
    secret = Secret("hunter2-abcdef")
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in f"{secret}"
    assert "hunter2" not in repr([secret, {"k": secret}])
    assert secret.reveal() == "hunter2-abcdef"
    with pytest.raises(TypeError):
        pickle.dumps(secret)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (JobState.QUEUED, JobState.RUNNING, (Event.STARTED,)),
        (JobState.RUNNING, JobState.SUCCEEDED, (Event.FINISHED,)),
        (JobState.QUEUED, JobState.SUCCEEDED, (Event.FINISHED,)),
        (JobState.RUNNING, JobState.PARTIAL, (Event.PARTLY_FINISHED,)),
        (JobState.RUNNING, JobState.FAILED, (Event.FAILED,)),
        (JobState.RUNNING, JobState.CANCELLED, (Event.CANCELLED,)),
        (JobState.QUEUED, JobState.NOT_FOUND, (Event.NOT_FOUND,)),
        (JobState.SUCCEEDED, JobState.RUNNING, (Event.REOPENED,)),
        (JobState.RUNNING, JobState.RUNNING, ()),
        (JobState.RUNNING, JobState.QUEUED, ()),
        (JobState.FAILED, JobState.FAILED, ()),
    ],
)
def test_events_for_transitions(old: JobState, new: JobState, expected: tuple[Event, ...]) -> None:
    assert events_for(old, new) == expected
