"""Self-supervised (SimCLR) evaluators: the NT-Xent loss, and training on unlabelled images."""

from __future__ import annotations

import math

import pytest
import torch

from ganforge.data import open_source
from ganforge.data.decode import to_rgb_uint8
from ganforge.evaluators.selfsupervised import nt_xent
from ganforge.evaluators.train import train_evaluator
from ganforge.metrics.features.domain.files import load_evaluator


def test_nt_xent_matches_the_formula_on_a_tiny_case():
    a = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    b = torch.tensor([[2.0, 0.0], [0.0, 3.0]])  # same directions: each view's positive is identical
    t = 0.5
    # Anchor 0 sees: itself (excluded), view 1 (cos 0), its positive (cos 1), view 3 (cos 0).
    expected = -math.log(math.exp(1 / t) / (math.exp(1 / t) + 2 * math.exp(0.0)))
    assert float(nt_xent(a, b, t)) == pytest.approx(expected, rel=1e-6)
    swapped = nt_xent(a, b.flip(0), t)  # positives now orthogonal: a much larger loss
    assert float(swapped) > expected + 1.0


def test_unlabelled_folder_trains_contrastively(unlabelled_shapes_folder, tmp_path):
    meta = train_evaluator(str(unlabelled_shapes_folder), tmp_path / "ssl", epochs=4, seed=0)
    assert meta["mode"] == "selfsupervised"
    assert meta["architecture"]["num_classes"] is None and meta["val_accuracy"] is None
    assert meta["preprocessing"]["channels"] == 3
    assert meta["training"]["temperature"] == 0.5
    losses = meta["training"]["loss_per_epoch"]
    # NT-Xent with 2·128 views starts near log(255) ≈ 5.54; learning pulls the views together.
    assert losses[0] < math.log(255) + 0.3
    assert losses[-1] < losses[0] - 0.1, losses
    evaluator, _ = load_evaluator(tmp_path / "ssl")
    source = open_source(str(unlabelled_shapes_folder))
    images = torch.stack([torch.from_numpy(to_rgb_uint8(source.image(i))) for i in range(32)])
    outputs = evaluator(images)
    assert set(outputs) == {"features"}
    features = outputs["features"]
    assert features.shape == (32, 128)
    assert float(features.std(dim=0).mean()) > 1e-2 * float(features.abs().mean())
    # 256 images: 51 held out (never trained on), two floor halves of 25.
    assert meta["training"]["train_n"] == 205 and meta["split"]["stratified"] is False
    assert meta["floor_n"] == 25 and math.isfinite(meta["floor_fid"]) and "is_ceiling" not in meta
