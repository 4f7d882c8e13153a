"""Run a feature extractor over an input, keeping per layer either all features or only statistics.

Keeping statistics only (`"stats"`) streams each batch into a float64 `StreamingStats`, so the
memory of an FID stays O(d²) for any number of images. Reference (real) sides go through
`cached_layers`, which reads and writes the feature cache.
"""

from __future__ import annotations

import sys
from typing import Literal

import numpy as np
import torch
from tqdm import tqdm

from ganforge.errors import UserError
from ganforge.metrics.cache import FeatureCache, cache_key
from ganforge.metrics.features.base import FeatureExtractor
from ganforge.metrics.inputs import ImageInput
from ganforge.metrics.protocol import identity_of
from ganforge.metrics.sharding import agree_on_cache, is_main_process, merge_shares, own_share
from ganforge.metrics.stats import StreamingStats, feature_stats
from ganforge.signals import stop_if_requested

Keep = Literal["features", "stats"]
Stats = tuple[np.ndarray, np.ndarray, int]  # (mu [d], sigma [d,d] float64, n)
LayerResult = np.ndarray | Stats  # [N,d] float32 features, or their statistics


def _covariance_or_none(stats: StreamingStats) -> Stats | None:
    # One image has no covariance; the metric that needs it says so with the real count.
    return (stats.mean, stats.covariance, stats.n) if stats.n >= 2 else None


@torch.inference_mode()
def extract(
    images: ImageInput,
    extractor: FeatureExtractor,
    keep: dict[str, Keep],
    batch_size: int = 64,
    device: str | torch.device = "cpu",
    label: str = "images",
) -> dict[str, LayerResult | None]:
    """Features of every image of `images` for each layer in `keep`, with a progress bar on stderr.

    Returns, per layer, [N,d] float32 features (`"features"`) or (mu, sigma, n) (`"stats"`;
    None when fewer than two images were readable). Under torchrun each process extracts its
    share and every process gets the merged result (`sharding`).
    """
    whole, images = images, own_share(images, batch_size)
    collected: dict[str, list[np.ndarray]] = {
        layer: [] for layer, how in keep.items() if how == "features"
    }
    streamed: dict[str, StreamingStats] = {}
    seen = 0
    with tqdm(
        total=images.count,
        unit="img",
        desc=f"features of {label}",
        file=sys.stderr,
        disable=None if is_main_process() else True,
        leave=False,
    ) as progress:
        for batch in images.batches(batch_size):
            stop_if_requested()  # training abandons an evaluation at SIGTERM instead of finishing it
            outputs = extractor(batch.to(device))
            for layer, how in keep.items():
                values = outputs[layer].float().cpu().numpy()
                if how == "features":
                    collected[layer].append(values)
                else:
                    streamed.setdefault(layer, StreamingStats(values.shape[1])).update(values)
            seen += len(batch)
            progress.update(len(batch))
    if images is not whole:  # sharded: every process gets every share
        collected, streamed, seen = merge_shares(collected, streamed, seen)
    if seen == 0:
        raise UserError(f"{whole.spec}: no readable images")
    result: dict[str, LayerResult | None] = {
        layer: np.concatenate(parts) for layer, parts in collected.items()
    }
    result.update({layer: _covariance_or_none(stats) for layer, stats in streamed.items()})
    return result


def _key(
    images: ImageInput, extractor: FeatureExtractor, resize: str, layer: str, kind: Keep
) -> str:
    return cache_key(
        kind=kind,
        source=images.fingerprint,
        n=images.count,
        subset_seed=images.subset_seed,
        resize=resize,
        extractor=identity_of(extractor.protocol()),
        layer=layer,
    )


def _lookup(cache: FeatureCache, keys: dict[Keep, str], how: Keep) -> LayerResult | None:
    features = cache.load_features(keys["features"])
    if how == "features" or features is not None:
        return features
    return cache.load_stats(keys["stats"])


def cached_layers(
    images: ImageInput,
    extractor: FeatureExtractor,
    keep: dict[str, Keep],
    cache: FeatureCache,
    resize: str,
    batch_size: int = 64,
    device: str | torch.device = "cpu",
    label: str = "images",
) -> dict[str, LayerResult | None]:
    """`extract`, reading what the cache holds and extracting (once) only the missing layers.

    Cached features also serve a request for statistics. Inputs without a fingerprint
    (generated images) are never cached.
    """
    if images.fingerprint is None or not cache.enabled:
        return extract(images, extractor, keep, batch_size, device, label)
    keys = {
        layer: {
            kind: _key(images, extractor, resize, layer, kind) for kind in ("features", "stats")
        }
        for layer in keep
    }
    found = agree_on_cache({layer: _lookup(cache, keys[layer], how) for layer, how in keep.items()})
    missing = {layer: how for layer, how in keep.items() if found[layer] is None}
    if missing:
        fresh = extract(images, extractor, missing, batch_size, device, label)
        for layer, value in fresh.items():
            if is_main_process():
                _store(cache, keys[layer], value)
        found.update(fresh)
    return {layer: _as_requested(value, keep[layer]) for layer, value in found.items()}


def _store(cache: FeatureCache, keys: dict[Keep, str], value: LayerResult | None) -> None:
    if isinstance(value, np.ndarray):
        cache.save_features(keys["features"], value)
        if len(value) >= 2:
            cache.save_stats(keys["stats"], *feature_stats(value), len(value))
    elif value is not None:
        cache.save_stats(keys["stats"], *value)


def _as_requested(value: LayerResult | None, how: Keep) -> LayerResult | None:
    """Cached features asked for as statistics become statistics."""
    if how == "stats" and isinstance(value, np.ndarray):
        return (*feature_stats(value), len(value)) if len(value) >= 2 else None
    return value
