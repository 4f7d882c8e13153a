"""Reference statistics (`ganforge stats`): mu/sigma of a source's features, saved with their protocol.

The `.npz` holds `mu` [d] and `sigma` [d,d] (readable by pytorch-fid and clean-fid); the
sidecar `<file>.npz.json` records how they were made, so `ganforge eval --real ref.npz` can
tell whether they are comparable with its own features.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from ganforge.errors import UserError
from ganforge.metrics.cache import FeatureCache
from ganforge.metrics.extract import cached_layers
from ganforge.metrics.features import build_features
from ganforge.metrics.inputs import ImageInput, open_input
from ganforge.metrics.protocol import feature_protocol, resolve_device, versions
from ganforge.metrics.stats import save_stats


def reference_statistics(
    source: str | Path | nn.Module,
    features: str = "inception",
    weights: str | Path | None = None,
    resize: str = "tf1",
    n: int | None = None,
    batch_size: int = 64,
    seed: int = 0,
    device: str = "auto",
    cache: bool = True,
    exif_orientation: bool = False,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """(mu [d], sigma [d,d] float64, protocol) of the extractor's default layer over `source`."""
    if batch_size < 1:
        raise UserError(f"--batch-size {batch_size}: expected a positive number")
    device = resolve_device(device)
    images = open_input(source, n, seed, device=device, exif_orientation=exif_orientation)
    if not isinstance(images, ImageInput):
        raise UserError(
            f"{source}: already statistics; expected images (a folder, .zip, builtin:NAME or run)"
        )
    extractor = build_features(features, weights=weights, resize=resize, device=device)
    extractor_protocol = extractor.protocol()
    effective_resize = extractor_protocol.get("resize")
    layer = extractor.layers[0]
    stats = cached_layers(
        images,
        extractor,
        {layer: "stats"},
        FeatureCache(cache),
        effective_resize or "",
        batch_size,
        device,
        label=str(source),
    )[layer]
    if stats is None:
        raise UserError(f"{source}: fewer than 2 readable images; statistics need at least 2")
    mu, sigma, count = stats
    protocol = {
        "n": count,
        "source": images.describe(),
        "layer": layer,
        **feature_protocol(extractor_protocol, effective_resize),
        "seeds": {"images": seed},
        "exif_orientation": exif_orientation,
        "versions": versions(),
        "device": device,
    }
    return mu, sigma, protocol


def write_reference_statistics(
    out: str | Path, source: str | Path | nn.Module, **options: Any
) -> dict[str, Any]:
    """Compute `reference_statistics(source, **options)` and save them to `out` (.npz + sidecar)."""
    out = Path(out)
    if out.suffix != ".npz":
        raise UserError(f"--out {out}: statistics file name must end in .npz")
    if not out.parent.is_dir():
        raise UserError(f"--out {out}: directory {out.parent} does not exist")
    mu, sigma, protocol = reference_statistics(source, **options)
    save_stats(out, mu, sigma, protocol)
    return protocol
