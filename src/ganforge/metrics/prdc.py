"""k-NN manifold metrics: precision/recall (Kynkäänniemi et al. 2019) and density/coverage (Naeem et al. 2020).

Every point's radius is the distance to its k-th nearest neighbour in its own set, excluding
itself. Distances are computed in float64 blocks of at most `block_size`×`block_size`, so
memory stays bounded for any N; comparisons use squared distances (same order, no sqrt).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from ganforge.errors import UserError
from ganforge.metrics.stats import checked_features

DEFAULT_BLOCK_SIZE = 2048  # 2048² float64 distances = 32 MiB per block


def _as_tensor(features: np.ndarray | torch.Tensor, what: str) -> torch.Tensor:
    # Kept in its float32/float64 storage; blocks are cast to float64 one at a time.
    return torch.from_numpy(checked_features(features, what))


def _squared_distance_blocks(
    rows: torch.Tensor, cols: torch.Tensor, block_size: int
) -> Iterator[tuple[slice, slice, torch.Tensor]]:
    """Yield (row slice, col slice, ‖rows[i] − cols[j]‖² block) covering the whole [N_rows, N_cols] matrix."""
    for r0 in range(0, len(rows), block_size):
        row_block = rows[r0 : r0 + block_size].double()
        row_norms = (row_block * row_block).sum(dim=1)
        for c0 in range(0, len(cols), block_size):
            col_block = cols[c0 : c0 + block_size].double()
            col_norms = (col_block * col_block).sum(dim=1)
            block = row_norms[:, None] + col_norms[None, :] - 2.0 * row_block @ col_block.T
            yield (
                slice(r0, r0 + len(row_block)),
                slice(c0, c0 + len(col_block)),
                block.clamp_min_(0.0),
            )


def kth_neighbour_sq_radii(
    points: torch.Tensor, k: int, block_size: int = DEFAULT_BLOCK_SIZE
) -> torch.Tensor:
    """[N,d] -> [N] squared distance from each point to its k-th nearest other point of the set."""
    if len(points) <= k:
        raise UserError(f"k-NN radii: need more than k={k} feature vectors, got {len(points)}")
    nearest = torch.full((len(points), k), torch.inf, dtype=torch.float64)
    for r, c, block in _squared_distance_blocks(points, points, block_size):
        if r.start == c.start:  # diagonal block: a point is not its own neighbour
            block.fill_diagonal_(torch.inf)
        merged = torch.cat([nearest[r], block], dim=1)
        nearest[r] = merged.topk(k, dim=1, largest=False).values
    return nearest.max(dim=1).values


def _check_pair(fake: torch.Tensor, real: torch.Tensor, k: int, block_size: int) -> None:
    if fake.shape[1] != real.shape[1]:
        raise UserError(f"fake features have dimension {fake.shape[1]}, real {real.shape[1]}")
    if k < 1:
        raise UserError(f"k-NN metrics: k must be at least 1, got {k}")
    if block_size < 1:
        raise ValueError(f"block_size must be positive, got {block_size}")


def precision_recall(
    fake: np.ndarray | torch.Tensor,
    real: np.ndarray | torch.Tensor,
    k: int = 3,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> tuple[float, float]:
    """Improved precision and recall of fake [N1,d] vs real [N2,d] (membership: distance <= radius).

    precision = share of fake points inside some real point's k-NN ball; recall = the reverse.
    """
    fake, real = _as_tensor(fake, "fake features"), _as_tensor(real, "real features")
    _check_pair(fake, real, k, block_size)
    real_radii = kth_neighbour_sq_radii(real, k, block_size)
    fake_radii = kth_neighbour_sq_radii(fake, k, block_size)
    fake_in_real = torch.zeros(len(fake), dtype=torch.bool)
    real_in_fake = torch.zeros(len(real), dtype=torch.bool)
    for r, c, block in _squared_distance_blocks(fake, real, block_size):
        fake_in_real[r] |= (block <= real_radii[None, c]).any(dim=1)
        real_in_fake[c] |= (block <= fake_radii[r, None]).any(dim=0)
    return fake_in_real.double().mean().item(), real_in_fake.double().mean().item()


def density_coverage(
    fake: np.ndarray | torch.Tensor,
    real: np.ndarray | torch.Tensor,
    k: int = 5,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> tuple[float, float]:
    """Density and coverage of fake [N1,d] vs real [N2,d]; radii from real only, membership strict `<`.

    density = mean over fake of (number of real balls containing it) / k;
    coverage = share of real points whose ball contains at least one fake point.
    """
    fake, real = _as_tensor(fake, "fake features"), _as_tensor(real, "real features")
    _check_pair(fake, real, k, block_size)
    real_radii = kth_neighbour_sq_radii(real, k, block_size)
    balls_containing_fake = torch.zeros(len(fake), dtype=torch.float64)
    nearest_fake_to_real = torch.full((len(real),), torch.inf, dtype=torch.float64)
    for r, c, block in _squared_distance_blocks(fake, real, block_size):
        balls_containing_fake[r] += (block < real_radii[None, c]).sum(dim=1)
        nearest_fake_to_real[c] = torch.minimum(nearest_fake_to_real[c], block.min(dim=0).values)
    density = balls_containing_fake.mean().item() / k
    coverage = (nearest_fake_to_real < real_radii).double().mean().item()
    return density, coverage
