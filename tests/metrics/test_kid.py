"""Kernel Inception Distance: conformance with torch-fidelity, the estimator itself, subset-size errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from torch_fidelity.metric_kid import kid_features_to_metric

from ganforge.errors import UserError
from ganforge.metrics.kid import kernel_inception_distance, polynomial_kernel, unbiased_mmd2


def feature_pair(seed: int, n_fake: int, n_real: int, d: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative float32 features [N,d] with a shared low-rank structure; xᵀy/d ≈ 0.2 as for pool3."""
    rng = np.random.default_rng(seed)
    basis = np.abs(rng.standard_normal((8, d)))
    real = np.abs(rng.standard_normal((n_real, 8))) @ basis / 12 + 0.07 * rng.random((n_real, d))
    fake = np.abs(rng.standard_normal((n_fake, 8))) @ basis / 9 + 0.07 * rng.random((n_fake, d))
    return fake.astype(np.float32), real.astype(np.float32)


def torch_fidelity_kid(fake, real, subsets, subset_size, seed):
    out = kid_features_to_metric(
        torch.from_numpy(fake),
        torch.from_numpy(real),
        kid_subsets=subsets,
        kid_subset_size=subset_size,
        rng_seed=seed,
        verbose=False,
    )
    return out["kernel_inception_distance_mean"], out["kernel_inception_distance_std"]


@pytest.mark.parametrize(("seed", "n_fake", "n_real"), [(2020, 300, 360), (7, 250, 200)])
def test_kid_matches_torch_fidelity(seed, n_fake, n_real):
    fake, real = feature_pair(seed, n_fake, n_real)
    mean, std = kernel_inception_distance(fake, real, subsets=20, subset_size=150, seed=seed)
    oracle_mean, oracle_std = torch_fidelity_kid(fake, real, 20, 150, seed)
    assert mean > 0.05 and std > 0  # a real difference, so the tolerance is meaningful
    assert abs(mean - oracle_mean) / abs(oracle_mean) <= 1e-4
    assert abs(std - oracle_std) / abs(oracle_std) <= 1e-3  # std of nearly equal float32 values


def test_unbiased_mmd2_matches_the_definition():
    rng = np.random.default_rng(0)
    x, y = rng.random((6, 5)), rng.random((6, 5)) + 0.1
    m = len(x)

    def k(a, b):
        return (a @ b / 5 + 1) ** 3

    within = sum(k(x[i], x[j]) + k(y[i], y[j]) for i, j in itertools.permutations(range(m), 2))
    cross = sum(k(x[i], y[j]) for i in range(m) for j in range(m))
    expected = within / (m * (m - 1)) - 2 * cross / m**2
    assert unbiased_mmd2(x, y) == pytest.approx(expected, rel=1e-12)
    assert polynomial_kernel(x, y)[2, 3] == pytest.approx(k(x[2], y[3]), rel=1e-14)


def test_kid_is_near_zero_for_one_distribution_and_accepts_tensors():
    rng = np.random.default_rng(1)
    features = torch.from_numpy(rng.random((800, 16)))
    mean, std = kernel_inception_distance(
        features[:400], features[400:], subsets=30, subset_size=200
    )
    # Unbiased: the mean over subsets is within a few standard errors of zero.
    assert abs(mean) < 4 * std / np.sqrt(30)


def test_too_few_images_is_a_user_error_naming_the_flag():
    fake, real = feature_pair(0, 120, 90)
    with pytest.raises(UserError, match=r"--kid-subset-size 100 .*fake: 120, real: 90"):
        kernel_inception_distance(fake, real, subsets=3, subset_size=100)


def test_allow_shrink_uses_the_smaller_set_and_warns():
    fake, real = feature_pair(0, 120, 90)
    with pytest.warns(UserWarning, match="subset size shrunk from 100 to 90"):
        shrunk = kernel_inception_distance(
            fake, real, subsets=3, subset_size=100, allow_shrink=True
        )
    assert shrunk == kernel_inception_distance(fake, real, subsets=3, subset_size=90)


def test_invalid_settings_are_user_errors():
    fake, real = feature_pair(0, 20, 20)
    with pytest.raises(UserError, match="--kid-subset-size 1"):
        kernel_inception_distance(fake, real, subsets=3, subset_size=1)
    with pytest.raises(UserError, match="--kid-subsets 0"):
        kernel_inception_distance(fake, real, subsets=0, subset_size=10)
    with pytest.raises(UserError, match="dimension 64, real 32"):
        kernel_inception_distance(fake, real[:, :32], subsets=3, subset_size=10)
