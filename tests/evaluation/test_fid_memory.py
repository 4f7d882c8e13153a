"""Peak memory of FID statistics does not grow with the number of images (streaming float64 stats)."""

import tracemalloc

import numpy as np
import torch
from eval_helpers import TinyGenerator

from ganforge.metrics.extract import extract
from ganforge.metrics.features.base import FeatureExtractor
from ganforge.metrics.inputs import generator_input

DIM = 256


class WideNumpyFeatures(FeatureExtractor):
    """[N,DIM] features allocated by numpy, so tracemalloc sees every array the pipeline keeps."""

    name = "wide"
    layers = ("features",)

    def __init__(self):
        super().__init__()
        self.projection = np.random.default_rng(0).standard_normal((108, DIM)).astype(np.float32)

    def forward(self, images):
        flat = images.reshape(len(images), -1).numpy().astype(np.float32)
        return {"features": torch.from_numpy(flat @ self.projection)}

    def protocol(self):
        return {"name": "wide"}


def _peak_bytes(n: int, keep: str) -> int:
    torch.manual_seed(0)
    images = generator_input(TinyGenerator(), "tiny", n, seed=0)
    tracemalloc.start()
    try:
        result = extract(images, WideNumpyFeatures(), {"features": keep}, batch_size=64)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result["features"] is not None
    return peak


def test_statistics_peak_memory_is_independent_of_n():
    small, large = _peak_bytes(512, "stats"), _peak_bytes(4096, "stats")
    held_features = 4096 * DIM * 4  # what keeping every feature of the large run would cost
    assert large - small < held_features / 8, (small, large)


def test_keeping_features_does_grow_so_the_measure_can_fail():
    small, large = _peak_bytes(512, "features"), _peak_bytes(4096, "features")
    assert large - small > 4096 * DIM * 4 / 2, (small, large)
