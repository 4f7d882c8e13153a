"""Bootstrap intervals: coverage of a known sampling distribution, resampling of both sets, determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganforge.errors import UserError
from ganforge.metrics.bootstrap import bootstrap_interval, bootstrap_intervals


def mean_gap(fake, real) -> float:
    """Difference of the first feature's means: its sampling spread is known in closed form."""
    return float(fake[:, 0].mean() - real[:, 0].mean())


def test_interval_of_a_mean_difference_has_the_normal_theory_width():
    rng = np.random.default_rng(0)
    fake, real = rng.standard_normal((400, 2)) + 0.5, rng.standard_normal((300, 2))
    low, high = bootstrap_interval(mean_gap, fake, real, draws=400, seed=1)
    expected_half_width = 1.96 * np.sqrt(1 / 400 + 1 / 300)
    assert low < mean_gap(fake, real) < high
    assert (high - low) / 2 == pytest.approx(expected_half_width, rel=0.2)


def test_both_sets_are_resampled_with_replacement():
    def unique_share(fake, real):
        return {
            "fake": len(np.unique(fake[:, 0])) / len(fake),
            "real": len(np.unique(real[:, 0])) / len(real),
        }

    rng = np.random.default_rng(1)
    fake, real = rng.standard_normal((500, 1)), torch.from_numpy(rng.standard_normal((400, 1)))
    intervals = bootstrap_intervals(
        lambda f, r: unique_share(np.asarray(f), r.numpy()), fake, real, draws=50
    )
    for key in ("fake", "real"):
        low, high = intervals[key]
        # A with-replacement resample keeps about 1 − 1/e ≈ 63.2% of the distinct rows.
        assert 0.58 < low <= high < 0.68, key


def test_precomputed_real_side_is_passed_through_unchanged():
    statistics = (np.zeros(3), np.eye(3))
    seen = []

    def record(fake, real):
        seen.append(real)
        return float(fake.mean())

    bootstrap_interval(record, np.arange(20.0).reshape(10, 2), statistics, draws=5)
    bootstrap_interval(record, np.arange(20.0).reshape(10, 2), None, draws=5)
    assert all(real is statistics for real in seen[:5]) and all(real is None for real in seen[5:])


def test_same_seed_same_interval_other_seed_other_interval():
    rng = np.random.default_rng(2)
    fake, real = rng.standard_normal((100, 2)), rng.standard_normal((100, 2))
    first = bootstrap_interval(mean_gap, fake, real, draws=30, seed=5)
    assert bootstrap_interval(mean_gap, fake, real, draws=30, seed=5) == first
    assert bootstrap_interval(mean_gap, fake, real, draws=30, seed=6) != first
    narrow = bootstrap_interval(mean_gap, fake, real, draws=30, seed=5, level=0.5)
    assert first[0] < narrow[0] <= narrow[1] < first[1]


def test_bad_settings_are_user_errors():
    features = np.zeros((4, 1))
    with pytest.raises(UserError, match="draws must be at least 2"):
        bootstrap_interval(mean_gap, features, features, draws=1)
    with pytest.raises(UserError, match=r"level must lie in \(0, 1\), got 95"):
        bootstrap_interval(mean_gap, features, features, level=95)
