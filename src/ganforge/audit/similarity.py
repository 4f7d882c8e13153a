"""Exact duplicates (same bytes) and near-duplicates (same picture after resizing or re-encoding).

Near-duplicates are found in two stages: pairs whose 64-bit perceptual hashes lie within a
Hamming distance (cheap: XOR and popcount over blocks of rows, exact for any threshold), then
kept when their 8x8 RGB thumbnails agree — correlation of at least `min_correlation`, or a
mean difference under `FLAT_TOLERANCE` for nearly flat images. On small images pHash alone
moves by up to ~14 bits under a resize or a JPEG pass while unrelated images can come as close,
whereas the thumbnails of a resized or re-encoded copy correlate above 0.99.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np

BLOCK = 256  # rows per block: BLOCK x N uint64 stays near 100 MB at N = 50,000
_BYTE_BITS = np.array([bin(byte).count("1") for byte in range(256)], dtype=np.uint8)


def popcount(values: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 (numpy >= 2 has it built in; older numpy counts byte by byte)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(values)
    as_bytes = np.ascontiguousarray(values).view(np.uint8).reshape(*values.shape, 8)
    return _BYTE_BITS[as_bytes].sum(axis=-1, dtype=np.uint8)
FLAT_TOLERANCE = 2.0  # mean absolute thumbnail difference (0..255) that still calls flat images equal


def exact_groups(hashes: dict[int, str]) -> list[list[int]]:
    """Indices sharing a content hash, groups of two or more, each sorted, ordered by first index."""
    by_hash: dict[str, list[int]] = defaultdict(list)
    for index, digest in hashes.items():
        by_hash[digest].append(index)
    return sorted((sorted(g) for g in by_hash.values() if len(g) > 1), key=lambda g: g[0])


def _unit_rows(thumbs: np.ndarray) -> np.ndarray:
    """Thumbnails [N,D] centred and scaled to unit length (zero rows stay zero): dot = correlation."""
    centred = thumbs.astype(np.float32) - thumbs.mean(axis=1, keepdims=True, dtype=np.float32)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 1e-6)


class NearMatcher:
    """Near-duplicate test between rows of two sets (or one set with itself)."""

    def __init__(self, hamming: int, min_correlation: float) -> None:
        self.hamming = hamming
        self.min_correlation = min_correlation

    def _confirm(self, left: tuple, right: tuple, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        units_a, thumbs_a = left
        units_b, thumbs_b = right
        correlation = np.einsum("ij,ij->i", units_a[rows], units_b[cols])
        flat_equal = np.abs(thumbs_a[rows].astype(np.float32) - thumbs_b[cols]).mean(axis=1) <= FLAT_TOLERANCE
        return (correlation >= self.min_correlation) | flat_equal

    def pairs(self, hashes_a: list[int], thumbs_a: np.ndarray, hashes_b: list[int] | None = None,
              thumbs_b: np.ndarray | None = None) -> Iterator[tuple[int, int, int]]:
        """(i, j, Hamming distance) of near-duplicate pairs; without a second set, i < j within the first."""
        same = hashes_b is None
        a = np.asarray(hashes_a, dtype=np.uint64)
        b = a if same else np.asarray(hashes_b, dtype=np.uint64)
        left = (_unit_rows(thumbs_a), thumbs_a)
        right = left if same else (_unit_rows(thumbs_b), thumbs_b)
        for start in range(0, len(a), BLOCK):
            first_col = start if same else 0  # within one set only the upper triangle is needed
            distances = popcount(a[start : start + BLOCK, None] ^ b[None, first_col:])
            rows, cols = np.nonzero(distances <= self.hamming)
            if same:
                keep = start + rows < first_col + cols
                rows, cols = rows[keep], cols[keep]
            if not len(rows):
                continue
            confirmed = self._confirm(left, right, start + rows, first_col + cols)
            for row, col in zip(rows[confirmed].tolist(), cols[confirmed].tolist(), strict=True):
                yield start + row, first_col + col, int(distances[row, col])


def union_groups(count: int, pairs: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components (size >= 2) of the graph on `range(count)` with edges `pairs`."""
    parent = list(range(count))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        parent[root(i)] = root(j)
    members: dict[int, list[int]] = defaultdict(list)
    for x in range(count):
        members[root(x)].append(x)
    return sorted((sorted(g) for g in members.values() if len(g) > 1), key=lambda g: g[0])
