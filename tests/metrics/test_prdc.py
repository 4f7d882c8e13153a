"""k-NN metrics: precision/recall against torch-fidelity, density/coverage against a brute-force reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_fidelity.metric_prc import prc_features_to_metric

from ganforge.errors import UserError
from ganforge.metrics.prdc import density_coverage, kth_neighbour_sq_radii, precision_recall


def feature_pair(seed: int, n_fake: int, n_real: int, d: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping float32 manifolds [N,d]: the fake one is noisier and shifted, so PR/DC lie inside (0, 1)."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((8, d))
    real = rng.standard_normal((n_real, 8)) @ basis + 0.3 * rng.standard_normal((n_real, d))
    fake = rng.standard_normal((n_fake, 8)) @ basis + 0.5 * rng.standard_normal((n_fake, d)) + 1.0
    return fake.astype(np.float32), real.astype(np.float32)


def brute_force_density_coverage(fake: np.ndarray, real: np.ndarray, k: int) -> tuple[float, float]:
    """Naeem et al. 2020 as the `prdc` package computes it, with full distance matrices."""
    fake, real = fake.astype(np.float64), real.astype(np.float64)
    real_real = np.linalg.norm(real[:, None] - real[None], axis=-1)
    radii = np.sort(real_real, axis=1)[:, k]  # column 0 is the point itself
    real_fake = np.linalg.norm(real[:, None] - fake[None], axis=-1)
    density = (real_fake < radii[:, None]).sum(axis=0).mean() / k
    coverage = (real_fake.min(axis=1) < radii).mean()
    return float(density), float(coverage)


def torch_fidelity_pr(fake: np.ndarray, real: np.ndarray, k: int) -> tuple[float, float]:
    out = prc_features_to_metric(
        torch.from_numpy(fake),
        torch.from_numpy(real),
        prc_neighborhood=k,
        prc_batch_size=10000,
        save_cpu_ram=False,
        verbose=False,
    )
    return out["precision"], out["recall"]


@pytest.mark.parametrize(("seed", "k"), [(0, 3), (1, 5)])
def test_precision_recall_match_torch_fidelity(seed, k):
    fake, real = feature_pair(seed, 300, 350)
    precision, recall = precision_recall(fake, real, k=k)
    oracle_precision, oracle_recall = torch_fidelity_pr(fake, real, k)
    assert 0.05 < precision < 0.95 and 0.05 < recall < 0.95
    assert precision == pytest.approx(oracle_precision, rel=1e-6)
    assert recall == pytest.approx(oracle_recall, rel=1e-6)


@pytest.mark.parametrize("k", [5, 2])
def test_density_coverage_match_the_brute_force_reference(k):
    fake, real = feature_pair(2, 250, 200)
    density, coverage = density_coverage(fake, real, k=k)
    expected_density, expected_coverage = brute_force_density_coverage(fake, real, k)
    assert 0.05 < coverage < 0.95 and density > 0.05
    assert density == pytest.approx(expected_density, rel=1e-12)
    assert coverage == pytest.approx(expected_coverage, rel=1e-12)


@pytest.mark.parametrize("block_size", [16, 64, 100_000])
def test_results_do_not_depend_on_the_block_size(block_size):
    fake, real = feature_pair(3, 70, 60, d=16)
    assert precision_recall(fake, real, block_size=block_size) == precision_recall(fake, real)
    assert density_coverage(fake, real, block_size=block_size) == density_coverage(fake, real)
    points = torch.from_numpy(real.astype(np.float64))
    squared = torch.cdist(points, points).pow(2)
    expected = squared.sort(dim=1).values[:, 3]  # 3rd neighbour after the point itself
    torch.testing.assert_close(
        kth_neighbour_sq_radii(points, 3, block_size), expected, rtol=1e-9, atol=1e-9
    )


def test_identical_and_disjoint_sets_give_the_extreme_values():
    fake, real = feature_pair(4, 100, 100, d=8)
    assert precision_recall(real, real) == (1.0, 1.0)
    assert density_coverage(real, real)[1] == 1.0
    far = real + 1000.0
    assert precision_recall(far, real) == (0.0, 0.0)
    assert density_coverage(far, real) == (0.0, 0.0)


def test_a_point_on_the_ball_boundary_counts_for_precision_but_not_density():
    # Three collinear real points: with k=1, each radius is 1; a fake point at distance
    # exactly 1 from a real point counts for precision (<=) but not for density (<).
    real = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    fake = np.array([[3.0, 0.0], [10.0, 0.0]])
    assert precision_recall(fake, real, k=1)[0] == 0.5
    assert density_coverage(fake, real, k=1) == (0.0, 0.0)


def test_bad_inputs_are_user_errors():
    fake, real = feature_pair(5, 10, 3, d=4)
    with pytest.raises(UserError, match="more than k=3"):
        precision_recall(fake, real, k=3)
    with pytest.raises(UserError, match="dimension 4, real 2"):
        density_coverage(fake, real[:, :2])
    with pytest.raises(UserError, match="k must be at least 1"):
        precision_recall(fake, fake, k=0)
