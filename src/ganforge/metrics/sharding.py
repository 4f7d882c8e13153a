"""Sharded feature extraction: each process of a torchrun group extracts a contiguous share of
the batches; the shares are merged so the result is the one a single process computes.

Features are gathered in rank order, so they are the single-process rows in the single-process
order (KID, precision/recall, density/coverage see identical inputs). Streamed float64
statistics are merged with the same pairwise update that folds in each batch (Chan et al.),
equal to one process's to rounding (FID within 2.5e-14 relative on 1,000 images). Shares are whole batches,
so every image is generated or read in the same batch as in one process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ganforge.distributed import current
from ganforge.metrics.inputs import ImageInput
from ganforge.metrics.stats import StreamingStats


def own_share(images: ImageInput, batch_size: int) -> ImageInput:
    """This process's contiguous run of whole batches of `images`; `images` itself for one
    process or an input that cannot be read in parts (every process then reads all of it)."""
    distribution = current()
    if not distribution.active or images.read_part is None:
        return images
    batches = -(-images.count // batch_size)
    first = batches * distribution.rank // distribution.world_size
    last = batches * (distribution.rank + 1) // distribution.world_size
    start, stop = min(first * batch_size, images.count), min(last * batch_size, images.count)
    read_part = images.read_part
    return ImageInput(
        images.spec, images.kind, stop - start, images.fingerprint, images.subset_seed,
        lambda size: read_part(start, stop, size),
    )


def merge_shares(
    collected: dict[str, list[np.ndarray]], streamed: dict[str, StreamingStats], seen: int
) -> tuple[dict[str, list[np.ndarray]], dict[str, StreamingStats], int]:
    """Every process's features (in rank order), merged statistics and image count."""
    distribution = current()
    if not distribution.active:
        return collected, streamed, seen
    shares = distribution.gather((collected, streamed, seen))
    merged_features = {layer: [part for share in shares for part in share[0][layer]] for layer in collected}
    merged_stats: dict[str, StreamingStats] = {}
    for _, share_stats, _ in shares:
        for layer, stats in share_stats.items():
            if layer in merged_stats:
                merged_stats[layer].merge(stats)
            else:
                merged_stats[layer] = stats
    return merged_features, merged_stats, sum(share[2] for share in shares)


def agree_on_cache(found: dict[str, object]) -> dict[str, object]:
    """A layer counts as cached only when every process found it (else all extract it again)."""
    distribution = current()
    if not distribution.active:
        return found
    everywhere = distribution.gather({layer: value is not None for layer, value in found.items()})
    return {layer: value if all(flags[layer] for flags in everywhere) else None for layer, value in found.items()}


def is_main_process() -> bool:
    """Process 0 alone writes cache files, JSON results and progress bars."""
    return current().is_main


def run_shared(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Every job's result, in order: each process runs a contiguous share of the jobs and the
    shares are gathered in rank order, which is the order one process runs them in."""
    distribution = current()
    first = len(jobs) * distribution.rank // distribution.world_size
    last = len(jobs) * (distribution.rank + 1) // distribution.world_size
    own = [job() for job in jobs[first:last]]
    return [result for share in distribution.gather(own) for result in share]
