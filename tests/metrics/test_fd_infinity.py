"""FD∞: the 1/N extrapolation and its bias removal on Gaussians with a known FD."""

from __future__ import annotations

import numpy as np
import pytest

from ganforge.errors import UserError
from ganforge.metrics import fd_infinity as fd_infinity_module
from ganforge.metrics.fd_infinity import default_sizes, fd_infinity
from ganforge.metrics.fid import frechet_distance
from ganforge.metrics.stats import feature_stats


def test_intercept_of_an_exact_linear_law_is_recovered(monkeypatch):
    subsets = []

    def record_subset(features):
        subsets.append(features)
        return len(features), None

    monkeypatch.setattr(fd_infinity_module, "feature_stats", record_subset)
    monkeypatch.setattr(
        fd_infinity_module, "frechet_distance", lambda n, _s, _m, _r, method: 3.0 + 7.0 / n
    )
    fake = np.arange(400.0).reshape(200, 2)
    sizes = [20, 50, 80, 200]
    assert fd_infinity(fake, (np.zeros(2), np.eye(2)), sizes=sizes) == pytest.approx(3.0, rel=1e-9)
    assert [len(subset) for subset in subsets] == sizes
    assert all(len(np.unique(subset[:, 0])) == len(subset) for subset in subsets)  # no repeats


def test_fd_infinity_removes_most_of_the_small_sample_bias():
    dim = 16
    real_stats = (np.zeros(dim), np.eye(dim))  # population statistics: the true FD is 0
    full, infinite = [], []
    for seed in range(4):
        fake = np.random.default_rng(seed).standard_normal((3000, dim))
        full.append(frechet_distance(*feature_stats(fake), *real_stats))
        infinite.append(fd_infinity(fake, real_stats, seed=seed))
    assert np.mean(full) > 0.015  # FD at N = 3000 is biased upwards
    assert abs(np.mean(infinite)) < 0.25 * np.mean(full)


def test_real_features_and_their_statistics_give_the_same_value():
    rng = np.random.default_rng(7)
    fake, real = rng.standard_normal((600, 8)) * 1.2, rng.standard_normal((700, 8))
    from_features = fd_infinity(fake, real, seed=3)
    assert from_features == pytest.approx(fd_infinity(fake, feature_stats(real), seed=3), rel=1e-12)
    assert from_features != fd_infinity(fake, real, seed=4)  # subsets depend on the seed


def test_default_sizes_follow_the_paper():
    sizes = default_sizes(50_000)
    assert len(sizes) == 15 and sizes[0] == 5000 and sizes[-1] == 50_000
    assert np.all(np.diff(sizes) > 0)


@pytest.mark.parametrize("sizes", [[10, 10], [1, 50], [50, 101], [60]])
def test_bad_sizes_are_user_errors(sizes):
    fake = np.random.default_rng(0).standard_normal((100, 4))
    with pytest.raises(UserError, match="FD∞: sizes"):
        fd_infinity(fake, (np.zeros(4), np.eye(4)), sizes=sizes)
