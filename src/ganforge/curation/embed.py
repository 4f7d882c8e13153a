"""Every image of a source through a backbone once: embeddings and subject shares, cached by content.

Unreadable files are skipped with one warning each (as training skips them). Results are
cached under the feature cache, keyed on the source's fingerprint (names, sizes, mtimes)
and the backbone's protocol, so a second pass over the same folder reads no image.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from tqdm import tqdm

from ganforge.curation.backbones import Backbone
from ganforge.curation.subject import BACKGROUND_MARGIN, subject_share
from ganforge.data import ImageSource, UnreadableImage, to_rgb_uint8
from ganforge.data.sources import nothing_readable
from ganforge.metrics.cache import FeatureCache, cache_key
from ganforge.metrics.protocol import identity_of

BATCH = 16  # images decoded per forward pass


@dataclass
class Embedded:
    """Rows for the readable images of a source: `indices[k]` is the source index of row k."""

    indices: np.ndarray  # [N] int64
    embedding: np.ndarray  # [N,d] float32
    subject: np.ndarray  # [N] float32, share of the frame

    def rows(self, keep: np.ndarray) -> Embedded:
        return Embedded(self.indices[keep], self.embedding[keep], self.subject[keep])


def _decoded(source: ImageSource) -> Iterator[tuple[int, np.ndarray]]:
    for i in range(len(source)):
        try:
            image = source.image(i)
        except UnreadableImage as err:
            warnings.warn(f"skipping {err.name}: {err.reason}", stacklevel=2)
            continue
        yield i, to_rgb_uint8(image)


def _batches(source: ImageSource) -> Iterator[tuple[list[int], torch.Tensor]]:
    """Consecutive readable images of one size, at most BATCH at a time."""
    indices: list[int] = []
    pending: list[np.ndarray] = []
    for i, pixels in _decoded(source):
        if pending and (len(pending) == BATCH or pixels.shape != pending[0].shape):
            yield indices, torch.from_numpy(np.stack(pending))
            indices, pending = [], []
        indices.append(i)
        pending.append(pixels)
    if pending:
        yield indices, torch.from_numpy(np.stack(pending))


def _compute(source: ImageSource, backbone: Backbone, progress: bool, label: str) -> np.ndarray:
    table = np.full((len(source), 0), np.nan, dtype=np.float32)
    with tqdm(total=len(source), unit="img", desc=label, disable=not progress, file=sys.stderr) as bar:
        for indices, images in _batches(source):
            described = backbone.describe(images)
            if table.shape[1] == 0:
                table = np.full((len(source), described.embedding.shape[1] + 1), np.nan, dtype=np.float32)
            table[indices, :-1] = described.embedding.numpy()
            table[indices, -1] = subject_share(described.saliency.numpy())
            bar.update(indices[-1] + 1 - bar.n)
        bar.update(len(source) - bar.n)
    return table


def embed_source(source: ImageSource, backbone: Backbone, cache: FeatureCache, progress: bool = True,
                 label: str = "scoring") -> Embedded:
    """Embeddings and subject shares of the readable images of `source` (UserError when none is readable)."""
    key = cache_key(kind="curation", source=source.fingerprint(), n=len(source),
                    backbone=identity_of(backbone.protocol()), subject_margin=BACKGROUND_MARGIN)
    table = cache.load_features(key)
    if table is None or table.shape[0] != len(source):
        table = _compute(source, backbone, progress, label)
        if table.shape[1]:
            cache.save_features(key, table)
    readable = ~np.isnan(table).any(axis=1) if table.shape[1] else np.zeros(len(source), dtype=bool)
    if not readable.any():
        raise nothing_readable(source)
    rows = np.flatnonzero(readable)
    return Embedded(rows.astype(np.int64), table[rows, :-1], table[rows, -1])
