"""Evaluation inputs (`--fake` / `--real`): anything that yields images or statistics.

`INPUT_KINDS` maps a kind to (does this spec name it?, opener); the first match wins:

- `statistics`: a `.npz` with `mu`/`sigma` (`ganforge stats`, pytorch-fid, clean-fid); usable
  only by metrics that need nothing but statistics (FID).
- `generator`: a generator module, or a `GeneratorSource` (a run directory, `.ckpt` or exported
  `.safetensors` that `runs.evaluation_source` loads when first read): images are generated on
  the fly from seeded latents. A run given by its path alone is refused, not read as images:
  the metrics never load runs (runs sit above them, docs/ARCHITECTURE.md).
- `images`: `builtin:NAME`, an image folder (recursive) or a `.zip`, read via `ganforge.data`.

How many images: `n` caps every input. An image source gives all its images, or a seeded
random subset of `n` of them (kept in file order). A generator gives `n` images, else as many
as the other side has (`default_count`), else `DEFAULT_GENERATED`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn

from ganforge.data import open_source
from ganforge.data.base import ImageSource
from ganforge.data.decode import UnreadableImage, decode_image
from ganforge.data.sources import read_or_warn, to_rgb_uint8
from ganforge.errors import UserError
from ganforge.metrics.stats import load_stats
from ganforge.outputs import is_run_source

DEFAULT_GENERATED = 10_000  # generated images when neither --n nor the other side says how many
STATS_SUFFIX = ".npz"


@dataclass(frozen=True)
class GeneratorSource:
    """A generator known by the name of its run, loaded when first read (after the cheap checks)."""

    spec: str
    load: Callable[[], nn.Module] = field(repr=False)

    def __str__(self) -> str:
        return self.spec


@dataclass
class ImageInput:
    """A stream of uint8 RGB batches [B,3,H,W]; every batch holds images of one size.

    `count` is the number of images asked for (unreadable files, skipped with a warning,
    make the stream shorter). `fingerprint` identifies the content for the cache; None
    means the input is not cacheable (generated images).
    """

    spec: str
    kind: str
    count: int
    fingerprint: str | None
    subset_seed: int | None  # seed of the random subset when `n` cut an image source
    read_batches: Callable[[int], Iterator[Tensor]] = field(repr=False)
    # Images [start, stop) alone, batched as `batches` batches them (sharded evaluation).
    read_part: Callable[[int, int, int], Iterator[Tensor]] | None = field(default=None, repr=False)

    def batches(self, batch_size: int) -> Iterator[Tensor]:
        return self.read_batches(batch_size)

    def describe(self) -> dict[str, Any]:
        return {"source": self.spec, "kind": self.kind, "subset_seed": self.subset_seed}


@dataclass
class StatsInput:
    """Precomputed statistics: mu [d], sigma [d,d] float64, and the protocol that made them."""

    spec: str
    mu: np.ndarray
    sigma: np.ndarray
    protocol: dict | None
    kind: str = "statistics"

    @property
    def count(self) -> int | None:
        """The number of images behind the statistics, when the sidecar records it."""
        n = (self.protocol or {}).get("n")
        return n if isinstance(n, int) else None

    def describe(self) -> dict[str, Any]:
        return {"source": self.spec, "kind": self.kind, "made_with": self.protocol}


EvaluationInput = ImageInput | StatsInput


def _same_size_batches(images: Iterator[np.ndarray], batch_size: int) -> Iterator[Tensor]:
    """Group consecutive [3,H,W] uint8 arrays of equal size into batches of at most `batch_size`."""
    pending: list[np.ndarray] = []
    for image in images:
        if pending and (len(pending) == batch_size or image.shape != pending[0].shape):
            yield torch.from_numpy(np.stack(pending))
            pending = []
        pending.append(image)
    if pending:
        yield torch.from_numpy(np.stack(pending))


def _subset(size: int, n: int | None, seed: int) -> tuple[list[int], int | None]:
    """Indices to read: all of them, or a seeded random `n` of them in file order."""
    if n is None or n >= size:
        return list(range(size)), None
    chosen = np.random.RandomState(seed).choice(size, n, replace=False)
    return sorted(int(i) for i in chosen), seed


def _warn_jpeg(source: ImageSource, indices: list[int]) -> None:
    jpegs = sum(source.is_jpeg(i) for i in indices)
    if jpegs:
        warnings.warn(
            f"{source.spec}: {jpegs} of {len(indices)} images are JPEG; compression artefacts alone move FID",
            stacklevel=3,
        )


def _stored_orientation(source: ImageSource, i: int) -> Image.Image | None:
    """Image i with its pixels as stored (EXIF orientation ignored, as the reference tools read
    files); None after one warning naming it when it cannot be decoded."""
    try:
        return decode_image(source.read_bytes(i), source.name(i), upright=False)
    except UnreadableImage as err:
        warnings.warn(f"skipping {err.name}: {err.reason}", stacklevel=2)
        return None


def _open_images(
    spec: str, n: int | None, seed: int, default_count: int | None, device: Any, exif_orientation: bool
) -> ImageInput:
    source = open_source(spec)
    indices, subset_seed = _subset(len(source), n, seed)
    _warn_jpeg(source, indices)
    # Built-ins are pixels, not files: there is no orientation to ignore.
    read_image = read_or_warn if exif_orientation or source.kind == "builtin" else _stored_orientation

    def read_part(start: int, stop: int, batch_size: int) -> Iterator[Tensor]:
        decoded = (read_image(source, i) for i in indices[start:stop])
        return _same_size_batches(
            (to_rgb_uint8(img) for img in decoded if img is not None), batch_size
        )

    def read(batch_size: int) -> Iterator[Tensor]:
        return read_part(0, len(indices), batch_size)

    fingerprint = source.fingerprint() + (":exif-orientation" if exif_orientation else "")
    return ImageInput(spec, source.kind, len(indices), fingerprint, subset_seed, read, read_part)


def _as_rgb(batch: Tensor) -> Tensor:
    """uint8 [B,C,H,W] with C 1 or 3 -> [B,3,H,W] (grayscale repeated)."""
    if batch.shape[1] == 1:
        return batch.expand(-1, 3, -1, -1).contiguous()
    if batch.shape[1] != 3:
        raise UserError(f"generator: expected images with 1 or 3 channels, got {batch.shape[1]}")
    return batch


def generator_input(
    generator: nn.Module, spec: str, count: int, seed: int, device: str | torch.device | None = None
) -> ImageInput:
    """`count` images of `generator` from latents seeded by `seed`, as an `ImageInput`.

    With `device`, the generator is moved there first; None leaves it where it is. It runs
    in eval mode (batch-independent images) and gets its own mode back afterwards.
    """
    from ganforge.sampling import drawn_conditions, generate_from_latents, latents

    def read_part(start: int, stop: int, batch_size: int) -> Iterator[Tensor]:
        net = generator.to(device) if device is not None else generator
        # All `count` latents and labels are drawn, then cut: a part holds the images it would
        # hold in the whole run (as `generate_uint8` draws them).
        z = latents(count, net.z_dim, seed)[start:stop]
        labels = drawn_conditions(net, count, seed)  # class labels or prompt embeddings
        was_training = net.training
        net.eval()
        try:
            for batch in generate_from_latents(
                net, z, batch_size, None if labels is None else labels[start:stop]
            ):
                yield _as_rgb(batch.cpu())
        finally:
            net.train(was_training)

    def read(batch_size: int) -> Iterator[Tensor]:
        return read_part(0, count, batch_size)

    return ImageInput(spec, "generator", count, None, None, read, read_part)


def _generated_count(n: int | None, default_count: int | None) -> int:
    return n if n is not None else default_count or DEFAULT_GENERATED


def _refuse_run(
    spec: str, n: int | None, seed: int, default_count: int | None, device: Any, exif_orientation: bool
) -> NoReturn:
    raise UserError(f"{spec}: a run, not images; evaluate it with ganforge.evaluate or `ganforge eval`, which load its generator")


def _open_stats(
    spec: str, n: int | None, seed: int, default_count: int | None, device: Any, exif_orientation: bool
) -> StatsInput:
    mu, sigma, protocol = load_stats(spec)
    return StatsInput(spec, mu, sigma, protocol)


def _is_stats(spec: str) -> bool:
    return spec.lower().endswith(STATS_SUFFIX)


def _is_anything(spec: str) -> bool:
    return True


INPUT_KINDS: dict[str, tuple[Callable[[str], bool], Callable[..., EvaluationInput]]] = {
    "statistics": (_is_stats, _open_stats),
    "run": (is_run_source, _refuse_run),  # its path alone: see GeneratorSource
    "images": (_is_anything, _open_images),  # builtin, folder, zip; open_source names what is wrong
}


def open_input(
    spec: str | Path | nn.Module | GeneratorSource,
    n: int | None = None,
    seed: int = 0,
    default_count: int | None = None,
    device: str | torch.device | None = None,
    exif_orientation: bool = False,
) -> EvaluationInput:
    """Open `spec` (see the module docstring); raises UserError naming it when it cannot be used.

    Image files are read as stored, EXIF orientation ignored, as pytorch-fid, torch-fidelity and
    clean-fid read them; `exif_orientation=True` turns photos upright first.
    """
    if n is not None and n < 1:
        raise UserError(f"--n {n}: expected a positive number of images")
    if isinstance(spec, nn.Module):  # a generator in memory stays on its own device
        return generator_input(spec, type(spec).__name__, _generated_count(n, default_count), seed)
    if isinstance(spec, GeneratorSource):
        return generator_input(spec.load(), spec.spec, _generated_count(n, default_count), seed, device)
    text = str(spec)
    for matches, opener in INPUT_KINDS.values():
        if matches(text):
            return opener(text, n, seed, default_count, device, exif_orientation)
    raise AssertionError("the last input kind accepts every spec")
