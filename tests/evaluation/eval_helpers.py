"""Helpers shared by the evaluation tests: PNG folders, a toy extractor, error assertions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn

from ganforge.metrics.features.base import FeatureExtractor
from ganforge.metrics.inputs import open_input


def write_pngs(folder: Path, images: Tensor, prefix: str = "img") -> Path:
    """Save uint8 [N,C,H,W] images (C 1 or 3) as numbered PNGs in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        array = image.permute(1, 2, 0).numpy()
        Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(
            folder / f"{prefix}{index:03d}.png"
        )
    return folder


class ToyFeatures(FeatureExtractor):
    """Cheap deterministic extractor: 2×2 average-pooled colours [N,12] and 10 'logits'.

    Counts the images it is asked to process (`images_seen`), so tests can tell whether
    the pipeline extracted or read the cache.
    """

    name = "toy"
    layers = ("features", "logits")

    def __init__(self) -> None:
        super().__init__()
        self.images_seen = 0

    def forward(self, images: Tensor) -> dict[str, Tensor]:
        assert images.dtype == torch.uint8 and images.shape[1] == 3
        self.images_seen += len(images)
        pooled = torch.nn.functional.adaptive_avg_pool2d(images.float() / 255, 2).flatten(1)
        return {"features": pooled, "logits": pooled[:, :10] * 10}

    def protocol(self) -> dict:
        return {"name": "toy", "weights_sha256": "0" * 64, "layer": "features"}


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    """Exit code 2, exactly one `ganforge: error:` line holding each fragment, no traceback."""
    assert code == 2
    errors = [line for line in err.strip().splitlines() if line.startswith("ganforge: error:")]
    assert len(errors) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def relative_difference(ours: float, reference: float) -> float:
    return abs(ours - reference) / max(abs(reference), np.finfo(float).tiny)


def toy_features_of(folder) -> np.ndarray:
    """[N,12] toy features of every image of `folder`, extracted directly."""
    extractor = ToyFeatures()
    return torch.cat(
        [extractor(batch)["features"] for batch in open_input(str(folder)).batches(64)]
    ).numpy()


class TinyGenerator(nn.Module):
    """z [N,4] -> grayscale [N,1,6,6] in [-1,1]; its image depends on z. Records its mode per call."""

    z_dim = 4

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 36)
        self.modes: list[bool] = []

    def forward(self, z):
        self.modes.append(self.training)
        return torch.tanh(self.linear(z)).view(-1, 1, 6, 6)
