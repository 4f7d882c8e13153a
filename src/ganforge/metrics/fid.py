"""Fréchet distance between Gaussians fitted to features (FID; Heusel et al. 2017).

FD = ‖μ₁−μ₂‖² + tr Σ₁ + tr Σ₂ − 2·tr √(Σ₁Σ₂). The trace of the square root is Σ √λᵢ over the
eigenvalues λᵢ of Σ₁Σ₂, found by one of three exact methods (`TRACE_SQRT`):

- `symmetric` (default): with Σ₁ = L Lᵀ, Σ₁Σ₂ is similar to the symmetric PSD Lᵀ Σ₂ L, whose
  eigenvalues `eigvalsh` finds several times faster than a general eigensolver (L: Cholesky, or
  V √Λ from `eigh` when Σ₁ is singular);
- `eig`: the general eigenvalues of Σ₁Σ₂ as complex numbers, real part of their roots
  (torch-fidelity's way; the earlier default, kept as a checked alternative);
- `sqrtm`: scipy's matrix square root (pytorch-fid's and clean-fid's way).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import torch

from ganforge.errors import UserError
from ganforge.metrics.stats import checked_features, feature_stats

DEFAULT_METHOD = "symmetric"
SQRTM_DIAGONAL_EPS = 1e-6  # pytorch-fid's offset when Σ₁Σ₂ is singular
SQRTM_MAX_IMAGINARY = 1e-3  # pytorch-fid's tolerance on the imaginary diagonal of √(Σ₁Σ₂)


def _symmetric_factor(sigma: np.ndarray) -> tuple[np.ndarray, bool]:
    """(L, lower-triangular?) with sigma = L Lᵀ: Cholesky when sigma is positive definite, else
    V √max(Λ, 0) from `eigh`."""
    # scipy is imported where used: it adds a second to the start of commands that never use it.
    from scipy import linalg

    try:
        return linalg.cholesky(sigma, lower=True, check_finite=False), True
    except np.linalg.LinAlgError:  # singular (N ≤ d): the eigendecomposition always exists
        eigenvalues, eigenvectors = np.linalg.eigh(sigma)
        return eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None)), False


def _congruence(factor: np.ndarray, lower: bool, sigma: np.ndarray) -> np.ndarray:
    """Lᵀ Σ L for a symmetric Σ; with a triangular L as two triangular products (half the work of
    two GEMMs). The C-ordered L and Σ are read as their Fortran-ordered transposes, U = Lᵀ and
    Σᵀ = Σ, so BLAS gets them without copies: Σ L = Σ Uᵀ, then Lᵀ (Σ L) = U (Σ L)."""
    from scipy.linalg import blas

    if not lower:
        return factor.T @ sigma @ factor
    upper = np.asfortranarray(factor.T)  # a view when L is C-ordered
    right = blas.dtrmm(1.0, upper, np.asfortranarray(sigma.T), side=1, lower=0, trans_a=1)  # Σ Uᵀ
    return blas.dtrmm(1.0, upper, right, side=0, lower=0, overwrite_b=1)  # U (Σ L)


def _trace_sqrt_symmetric(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    from scipy import linalg

    factor, lower = _symmetric_factor(sigma1)
    # Lᵀ Σ₂ L is PSD; eigenvalues below 0 are rounding, whose roots `eig` also drops (real part 0).
    eigenvalues = linalg.eigvalsh(_congruence(factor, lower, sigma2), driver="ev", check_finite=False,
                                  overwrite_a=True)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def _trace_sqrt_eig(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    # Σ₁Σ₂ is similar to a PSD matrix, so its eigenvalues are real ≥ 0 up to rounding.
    eigenvalues = np.linalg.eigvals(sigma1 @ sigma2).astype(np.complex128)
    return float(np.sqrt(eigenvalues).real.sum())


def _trace_sqrt_sqrtm(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    from scipy import linalg

    covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        warnings.warn(
            f"Fréchet distance: Σ₁Σ₂ is singular; adding {SQRTM_DIAGONAL_EPS} to the covariance diagonals",
            stacklevel=3,
        )
        offset = np.eye(sigma1.shape[0]) * SQRTM_DIAGONAL_EPS
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=SQRTM_MAX_IMAGINARY):
            largest = np.max(np.abs(covmean.imag))
            raise UserError(
                f"Fréchet distance: sqrtm has an imaginary component {largest:.3g} > {SQRTM_MAX_IMAGINARY} "
                "(covariances nearly singular; use more images or method 'eig')"
            )
        covmean = covmean.real
    return float(np.trace(covmean))


TRACE_SQRT: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "symmetric": _trace_sqrt_symmetric,
    "eig": _trace_sqrt_eig,
    "sqrtm": _trace_sqrt_sqrtm,
}


def frechet_distance(
    mu1: np.ndarray,
    sigma1: np.ndarray,
    mu2: np.ndarray,
    sigma2: np.ndarray,
    method: str = DEFAULT_METHOD,
) -> float:
    """FD between N(mu1 [d], sigma1 [d,d]) and N(mu2, sigma2), computed in float64."""
    if method not in TRACE_SQRT:
        raise UserError(
            f"Fréchet distance method {method!r}: expected one of {', '.join(TRACE_SQRT)}"
        )
    mu1, mu2 = (
        np.atleast_1d(np.asarray(mu1, np.float64)),
        np.atleast_1d(np.asarray(mu2, np.float64)),
    )
    sigma1, sigma2 = (
        np.atleast_2d(np.asarray(sigma1, np.float64)),
        np.atleast_2d(np.asarray(sigma2, np.float64)),
    )
    dim = mu1.shape[0]
    if (
        mu1.shape != (dim,)
        or mu2.shape != (dim,)
        or sigma1.shape != (dim, dim)
        or sigma2.shape != (dim, dim)
    ):
        raise UserError(
            f"Fréchet distance: statistics disagree in dimension (mu {list(mu1.shape)} vs {list(mu2.shape)}, "
            f"sigma {list(sigma1.shape)} vs {list(sigma2.shape)}); were they made by the same feature extractor?"
        )
    diff = mu1 - mu2
    trace_sqrt = TRACE_SQRT[method](sigma1, sigma2)
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt)


def rank_warning(n: int, d: int, what: str = "features") -> int:
    """Warn when N ≤ d (the covariance is rank-deficient); returns the rank bound min(N−1, d).

    The text names neither side nor `what`: the fake and real sets of one evaluation (and the
    several evaluations of one command) warn in one identical line, shown once."""
    max_rank = max(min(n - 1, d), 0)
    if n <= d:
        warnings.warn(
            f"{n} images give {d}-dimensional features a covariance of rank at most {max_rank} < {d}: the FID is "
            f"biased upwards and comparable only at equal image counts; use more than {d} images (--n, or more "
            "real images) for a reliable value",
            stacklevel=2,
        )
    return max_rank


def fid_from_features(
    fake: np.ndarray | torch.Tensor, real: np.ndarray | torch.Tensor, method: str = DEFAULT_METHOD
) -> float:
    """FID between fake [N1,d] and real [N2,d] features; warns when either set has N ≤ d."""
    fake, real = checked_features(fake, "fake features"), checked_features(real, "real features")
    rank_warning(*fake.shape, what="fake features")
    rank_warning(*real.shape, what="real features")
    return frechet_distance(*feature_stats(fake), *feature_stats(real), method=method)
