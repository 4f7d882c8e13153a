"""Feature statistics for the Fréchet distance: streaming mean/covariance and `.npz` files.

Statistics files hold `mu` [d] and `sigma` [d,d] (float64), the layout pytorch-fid and
clean-fid read and write, plus a JSON sidecar `<file>.json` describing the protocol.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import torch

from ganforge.atomic import atomic_write
from ganforge.errors import UserError

STATS_KEYS = ("mu", "sigma")
STATS_CHUNK_ROWS = 4096  # rows per float64 copy when computing statistics of a whole array


def checked_features(features: np.ndarray | torch.Tensor, what: str = "features") -> np.ndarray:
    """[N,d] array or tensor (any device) -> [N,d] float32/float64 numpy array, not copied when it
    already is one on the CPU; rejects other shapes and NaN/inf."""
    if isinstance(features, torch.Tensor):
        features = features.detach().cpu()
        if features.dtype not in (torch.float32, torch.float64):
            features = features.double()
        features = features.numpy()
    array = np.asarray(features)
    if array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float64)
    if array.ndim != 2:
        raise UserError(
            f"{what}: expected a 2-D array [N, d] of feature vectors, got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise UserError(f"{what}: contains NaN or infinite values")
    return array


def as_float64_features(features: np.ndarray | torch.Tensor, what: str = "features") -> np.ndarray:
    """[N,d] array or tensor (any float dtype, any device) -> [N,d] float64 numpy array."""
    return checked_features(features, what).astype(np.float64, copy=False)


class StreamingStats:
    """Mean and covariance of feature vectors seen in batches, in O(d²) memory for any N.

    Each batch is centred on its own mean and merged with Chan et al.'s pairwise update
    (float64), so a large common offset in the features costs no precision.
    """

    def __init__(self, dim: int) -> None:
        if dim < 1:
            raise ValueError(f"feature dimension must be positive, got {dim}")
        self.dim = dim
        self.n = 0
        self._mean = np.zeros(dim, dtype=np.float64)
        self._centred_sq_sum = np.zeros((dim, dim), dtype=np.float64)  # Σ (x-μ)(x-μ)ᵀ

    def update(self, features: np.ndarray | torch.Tensor) -> StreamingStats:
        """Add a batch [B,d]; returns self."""
        batch = as_float64_features(features)
        if batch.shape[1] != self.dim:
            raise UserError(f"features: expected dimension {self.dim}, got {batch.shape[1]}")
        if len(batch) == 0:
            return self
        batch_mean = batch.mean(axis=0)
        centred = batch - batch_mean
        self._combine(len(batch), batch_mean, centred.T @ centred)
        return self

    def merge(self, other: StreamingStats) -> StreamingStats:
        """Fold in statistics accumulated elsewhere (another shard or process); returns self."""
        if other.dim != self.dim:
            raise ValueError(f"cannot merge statistics of dimension {other.dim} into {self.dim}")
        if other.n:
            self._combine(other.n, other._mean, other._centred_sq_sum)
        return self

    def _combine(self, count: int, mean: np.ndarray, centred_sq_sum: np.ndarray) -> None:
        # Chan, Golub & LeVeque (1979): pairwise update of mean and centred sum of squares.
        total = self.n + count
        delta = mean - self._mean
        self._centred_sq_sum += centred_sq_sum + np.outer(delta, delta) * (self.n * count / total)
        self._mean += delta * (count / total)
        self.n = total

    @property
    def mean(self) -> np.ndarray:
        """[d] float64."""
        return self._mean.copy()

    @property
    def covariance(self) -> np.ndarray:
        """[d,d] float64, unbiased (divisor N−1) like `np.cov`."""
        if self.n < 2:
            raise UserError(f"covariance needs at least 2 feature vectors, got {self.n}")
        return self._centred_sq_sum / (self.n - 1)


def feature_stats(
    features: np.ndarray | torch.Tensor, chunk_rows: int = STATS_CHUNK_ROWS
) -> tuple[np.ndarray, np.ndarray]:
    """[N,d] features -> (mu [d], sigma [d,d]) in float64, sigma with divisor N−1.

    Rows are streamed in chunks, so only one chunk at a time is held as a float64 copy.
    """
    array = checked_features(features)
    stats = StreamingStats(array.shape[1])
    for start in range(0, len(array), chunk_rows):
        stats.update(array[start : start + chunk_rows])
    return stats.mean, stats.covariance


def sidecar_path(path: str | os.PathLike) -> Path:
    """The protocol sidecar of a statistics file: `ref.npz` -> `ref.npz.json`."""
    return Path(f"{os.fspath(path)}.json")


def save_stats(
    path: str | os.PathLike, mu: np.ndarray, sigma: np.ndarray, protocol: dict | None = None
) -> None:
    """Write `mu` [d] and `sigma` [d,d] to `path` (.npz) and `protocol` to `<path>.json`, atomically.

    Without a protocol, a stale sidecar from an earlier file is removed.
    """
    path = Path(path)
    if path.suffix != ".npz":
        raise UserError(f"{path}: statistics file name must end in .npz")
    if not path.parent.is_dir():
        raise UserError(f"{path}: directory {path.parent} does not exist")
    mu, sigma = _checked_stats(np.asarray(mu), np.asarray(sigma), path)
    protocol_text = None if protocol is None else json.dumps(protocol, indent=2, sort_keys=True)
    atomic_write(path, lambda file: np.savez(file, mu=mu, sigma=sigma))
    sidecar = sidecar_path(path)
    if protocol_text is None:
        sidecar.unlink(missing_ok=True)
    else:
        atomic_write(sidecar, lambda file: file.write((protocol_text + "\n").encode()))


def load_stats(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, dict | None]:
    """Read (mu [d], sigma [d,d], protocol or None) from a `.npz` written by us, pytorch-fid or clean-fid."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: statistics file not found")
    unreadable = (OSError, ValueError, zipfile.BadZipFile, EOFError)
    try:
        archive = np.load(path, allow_pickle=False)
    except unreadable as err:
        raise UserError(f"{path}: not a readable .npz statistics file ({err})") from err
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise UserError(f"{path}: expected an .npz archive with arrays 'mu' and 'sigma'")
    with archive:
        missing = [key for key in STATS_KEYS if key not in archive.files]
        if missing:
            found = ", ".join(archive.files) or "none"
            raise UserError(f"{path}: missing array(s) {', '.join(missing)}; found {found}")
        try:
            mu, sigma = archive["mu"], archive["sigma"]
        except unreadable as err:
            raise UserError(f"{path}: not a readable .npz statistics file ({err})") from err
    mu, sigma = _checked_stats(mu, sigma, path)
    return mu, sigma, _load_protocol(sidecar_path(path))


def _checked_stats(mu: np.ndarray, sigma: np.ndarray, path: Path) -> tuple[np.ndarray, np.ndarray]:
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]):
        raise UserError(
            f"{path}: expected mu [d] and sigma [d, d], got mu {list(mu.shape)} and sigma {list(sigma.shape)}"
        )
    if mu.dtype.kind not in "fiu" or sigma.dtype.kind not in "fiu":
        raise UserError(
            f"{path}: mu and sigma must be real numbers, got {mu.dtype} and {sigma.dtype}"
        )
    mu, sigma = mu.astype(np.float64), sigma.astype(np.float64)
    if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
        raise UserError(f"{path}: mu or sigma contains NaN or infinite values")
    return mu, sigma


def _load_protocol(sidecar: Path) -> dict | None:
    if not sidecar.is_file():
        return None
    try:
        protocol = json.loads(sidecar.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UserError(f"{sidecar}: not a readable JSON protocol ({err})") from err
    if not isinstance(protocol, dict):
        raise UserError(f"{sidecar}: expected a JSON object describing the protocol")
    return protocol
