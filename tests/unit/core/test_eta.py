"""core/eta.py: ranges of the time left from a provider's figures and learned durations, on a virtual clock."""
# ruff: noqa: S311 - seeded random numbers make workloads repeatable; nothing here is a secret

from __future__ import annotations

import math
import random

import pytest

from desktop_app.core import eta
from desktop_app.core.durations import DurationHistory, DurationModel


def _model(median: float = 600.0, sigma: float = 0.3, n: int = 400, seed: int = 1) -> DurationModel:
    rng = random.Random(seed)
    history = DurationHistory(per_key=n)
    history.extend(median * math.exp(rng.gauss(0.0, sigma)) for _ in range(n))
    model = history.model()
    assert model is not None
    return model


def test_no_basis_gives_no_eta() -> None:
    assert eta.estimate(30.0) is None
    assert eta.estimate(30.0, progress=1.0) is None  # too little progress to extrapolate
    assert eta.estimate(30.0, time_left=0.0) is None


def test_a_fresh_job_gets_the_central_80_percent_of_its_accounts_durations() -> None:
    model = _model()
    found = eta.estimate(0.0, model)
    assert found is not None and found.basis == eta.Basis.HISTORY
    z = 1.2816
    assert found.low == pytest.approx(600 * math.exp(-z * 0.3), rel=0.06)
    assert found.high == pytest.approx(600 * math.exp(z * 0.3), rel=0.06)


def test_the_range_moves_with_the_jobs_age_and_stays_ahead_of_it() -> None:
    model = _model()
    young = eta.estimate(100.0, model)
    older = eta.estimate(550.0, model)
    assert young is not None and older is not None
    assert 0 <= older.low < older.high < young.high
    # Given it has run 550 s, it ends after 550 s: the low end is not before now.
    assert older.low >= 0


def test_a_job_far_past_its_history_gets_no_eta_from_it() -> None:
    assert eta.estimate(600.0 * 4, _model()) is None


def test_a_providers_time_left_is_used_and_the_history_narrows_it() -> None:
    alone = eta.estimate(300.0, time_left=240.0)
    assert alone is not None and alone.basis == eta.Basis.PROVIDER
    assert alone.low < 240.0 < alone.high
    both = eta.estimate(300.0, _model(), time_left=240.0)
    assert both is not None and both.basis == eta.Basis.PROVIDER
    assert both.high - both.low < alone.high - alone.low


def test_progress_is_extrapolated_as_steady_since_the_job_was_added() -> None:
    found = eta.estimate(120.0, progress=40.0)
    assert found is not None and found.basis == eta.Basis.PROGRESS
    assert found.low < 180.0 < found.high  # 40 % in 120 s: 180 s left at that pace


def test_the_range_covers_about_80_percent_of_real_ends_on_a_virtual_clock() -> None:
    """Jobs drawn from the same distribution the history learned, each looked at at a random moment of its life."""
    rng = random.Random(7)
    model = _model(seed=3)
    inside = given = 0
    for _ in range(2000):
        duration = 600.0 * math.exp(rng.gauss(0.0, 0.3))
        age = rng.uniform(0.0, duration)
        found = eta.estimate(age, model)
        if found is None:
            continue
        given += 1
        inside += found.low <= duration - age <= found.high
    assert given > 1900
    assert 0.75 <= inside / given <= 0.86
