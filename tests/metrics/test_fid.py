"""Fréchet distance: conformance with pytorch-fid and torch-fidelity, and its two trace methods."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.linalg
import torch
from pytorch_fid.fid_score import calculate_frechet_distance
from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

from ganforge.errors import UserError
from ganforge.metrics import fid as fid_module
from ganforge.metrics.fid import fid_from_features, frechet_distance, rank_warning
from ganforge.metrics.stats import feature_stats


def feature_pair(
    seed: int, n_fake: int, n_real: int, d: int, rank: int = 12
) -> tuple[np.ndarray, np.ndarray]:
    """Fake and real float32 features [N,d] sharing a low-rank structure but differing in spread and mean."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((rank, d)) / np.sqrt(rank)
    real = rng.standard_normal((n_real, rank)) @ basis + 0.5 * rng.standard_normal((n_real, d))
    fake = (
        1.3 * rng.standard_normal((n_fake, rank)) @ basis
        + 0.4 * rng.standard_normal((n_fake, d))
        + 0.05
    )
    return fake.astype(np.float32), real.astype(np.float32)


def torch_fidelity_fid(fake: np.ndarray, real: np.ndarray) -> float:
    stats = [fid_features_to_statistics(torch.from_numpy(x).double()) for x in (fake, real)]
    return fid_statistics_to_metric(*stats, verbose=False)["frechet_inception_distance"]


def relative(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


@pytest.mark.parametrize(("d", "n_fake", "n_real"), [(64, 300, 400), (256, 500, 600)])
def test_fid_matches_both_oracles_and_both_methods_agree(d, n_fake, n_real):
    fake, real = feature_pair(d, n_fake, n_real, d)
    mu1, sigma1 = feature_stats(fake)
    mu2, sigma2 = feature_stats(real)
    eig = frechet_distance(mu1, sigma1, mu2, sigma2, method="eig")
    sqrtm = frechet_distance(mu1, sigma1, mu2, sigma2, method="sqrtm")
    assert eig > 1.0  # a non-trivial distance, so relative tolerances mean something
    assert relative(sqrtm, float(calculate_frechet_distance(mu1, sigma1, mu2, sigma2))) <= 1e-6
    oracle_eig = torch_fidelity_fid(fake, real)
    assert relative(eig, oracle_eig) <= 1e-6
    assert relative(eig, sqrtm) <= 1e-5
    assert relative(fid_from_features(torch.from_numpy(fake), real), oracle_eig) <= 1e-6


@pytest.mark.slow  # minutes on 2 cores (eig and sqrtm of 2048×2048); d=64/256 above cover the same code
def test_fid_matches_oracles_at_inception_dimension():
    fake, real = feature_pair(2048, 2300, 2300, 2048, rank=64)
    mu1, sigma1 = feature_stats(fake)
    mu2, sigma2 = feature_stats(real)
    eig = frechet_distance(mu1, sigma1, mu2, sigma2)
    sqrtm = frechet_distance(mu1, sigma1, mu2, sigma2, method="sqrtm")
    assert relative(eig, torch_fidelity_fid(fake, real)) <= 1e-6
    assert relative(sqrtm, float(calculate_frechet_distance(mu1, sigma1, mu2, sigma2))) <= 1e-6
    assert relative(eig, sqrtm) <= 1e-5


@pytest.mark.parametrize("method", ["symmetric", "eig", "sqrtm"])
def test_fid_of_diagonal_gaussians_has_the_closed_form(method):
    # For commuting covariances FD = ‖μ₁−μ₂‖² + Σ (√a − √b)².
    a, b = np.array([1.0, 4.0, 9.0, 0.25]), np.array([4.0, 1.0, 9.0, 1.0])
    mu1, mu2 = np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0, 3.0])
    expected = 1.0 + 4.0 + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b), method=method) == pytest.approx(
        expected, rel=1e-12
    )
    assert frechet_distance(mu1, np.diag(a), mu1, np.diag(a), method=method) == pytest.approx(
        0.0, abs=1e-12
    )


def exact_trace_sqrt(fake: np.ndarray, real: np.ndarray) -> float:
    """tr √(Σ₁Σ₂) from the features themselves: the nuclear norm of X₁X₂ᵀ/√((n₁−1)(n₂−1)), X centred
    (a small SVD, with none of the rounding noise that near-zero eigenvalues of Σ₁Σ₂ carry)."""
    x1, x2 = (x.astype(np.float64) - x.astype(np.float64).mean(axis=0) for x in (fake, real))
    return float(np.linalg.svd(x1 @ x2.T, compute_uv=False).sum() / np.sqrt((len(x1) - 1) * (len(x2) - 1)))


def test_symmetric_method_equals_eig_to_1e_8_on_full_rank_covariances():
    fake, real = feature_pair(7, 600, 700, 256)
    stats = (*feature_stats(fake), *feature_stats(real))
    symmetric = frechet_distance(*stats, method="symmetric")
    assert symmetric == frechet_distance(*stats)  # the default
    assert relative(symmetric, frechet_distance(*stats, method="eig")) <= 1e-8
    assert relative(symmetric, frechet_distance(stats[2], stats[3], stats[0], stats[1])) <= 1e-8
    exact = exact_trace_sqrt(fake, real)
    assert relative(fid_module.TRACE_SQRT["symmetric"](stats[1], stats[3]), exact) <= 1e-12


@pytest.mark.parametrize(("n_fake", "n_real"), [(100, 700), (700, 90), (50, 60)])
def test_symmetric_method_on_singular_covariances_is_closer_to_exact_than_eig(n_fake, n_real):
    """N ≤ d: Σ₁Σ₂ has many eigenvalues that are 0 up to rounding, whose square roots (~1e-7 each)
    add up in `eig`; the symmetric method clips them (measured: 1e-8 vs 6e-8..1.2e-7 relative)."""
    fake, real = feature_pair(7, n_fake, n_real, 256)
    (_, sigma1), (_, sigma2) = feature_stats(fake), feature_stats(real)
    exact = exact_trace_sqrt(fake, real)
    symmetric = fid_module.TRACE_SQRT["symmetric"](sigma1, sigma2)
    assert relative(symmetric, exact) <= 5e-8
    assert abs(symmetric - exact) <= abs(fid_module.TRACE_SQRT["eig"](sigma1, sigma2) - exact)


def test_symmetric_factor_of_a_singular_covariance_reproduces_it():
    fake, _ = feature_pair(3, 20, 20, 64)
    _, sigma = feature_stats(fake)  # rank 19 < 64: no Cholesky
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(sigma)
    factor, lower = fid_module._symmetric_factor(sigma)
    assert not lower
    np.testing.assert_allclose(factor @ factor.T, sigma, atol=1e-10 * np.abs(sigma).max())


def test_triangular_congruence_equals_the_plain_matrix_product():
    fake, real = feature_pair(5, 300, 300, 128)
    (_, sigma1), (_, sigma2) = feature_stats(fake), feature_stats(real)
    factor, lower = fid_module._symmetric_factor(sigma1)
    assert lower and np.array_equal(factor, np.tril(factor))
    expected = factor.T @ sigma2 @ factor
    np.testing.assert_allclose(fid_module._congruence(factor, True, sigma2), expected,
                               rtol=0, atol=1e-12 * np.abs(expected).max())


def test_sqrtm_retries_with_offset_when_the_product_is_singular(monkeypatch):
    calls = []
    real_sqrtm = scipy.linalg.sqrtm

    def sqrtm_failing_once(matrix):
        calls.append(matrix.copy())
        return np.full_like(matrix, np.inf) if len(calls) == 1 else real_sqrtm(matrix)

    monkeypatch.setattr(scipy.linalg, "sqrtm", sqrtm_failing_once)
    sigma = np.diag([1.0, 2.0])
    with pytest.warns(UserWarning, match="singular; adding 1e-06"):
        distance = frechet_distance(np.zeros(2), sigma, np.zeros(2), sigma, method="sqrtm")
    np.testing.assert_allclose(calls[1], (sigma + 1e-6 * np.eye(2)) @ (sigma + 1e-6 * np.eye(2)))
    assert distance == pytest.approx(0.0, abs=1e-5)


def test_sqrtm_rejects_a_large_imaginary_component(monkeypatch):
    monkeypatch.setattr(scipy.linalg, "sqrtm", lambda m: np.eye(len(m)) * (1 + 0.01j))
    with pytest.raises(UserError, match="imaginary component 0.01"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2), method="sqrtm")
    monkeypatch.setattr(scipy.linalg, "sqrtm", lambda m: np.eye(len(m)) * (1 + 1e-4j))
    assert frechet_distance(
        np.zeros(2), np.eye(2), np.zeros(2), np.eye(2), method="sqrtm"
    ) == pytest.approx(0.0)


def test_rank_warning_states_the_rank_only_when_n_at_most_d():
    with pytest.warns(UserWarning, match="rank at most 49 < 64"):
        assert rank_warning(50, 64) == 49
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rank_warning(65, 64) == 64
    fake, real = feature_pair(1, 40, 100, 64)
    with pytest.warns(UserWarning, match="40 images give 64-dimensional features"):
        fid_from_features(fake, real)


def test_bad_statistics_are_user_errors():
    with pytest.raises(UserError, match="dimension"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(UserError, match="expected one of symmetric, eig, sqrtm"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2), method="svd")
