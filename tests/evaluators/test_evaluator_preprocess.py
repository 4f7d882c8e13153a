"""The one preprocessing of evaluators, and the seeded splits of their data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.evaluators.dataset import disjoint_halves, indices_digest, stratified_split
from ganforge.metrics.features.domain.preprocess import (
    preprocess,
    preprocess_each,
    preprocessing_spec,
)


def test_grayscale_rule_is_bt601_luma_and_matches_pil_within_rounding():
    rgb = torch.randint(
        0, 256, (4, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    gray = preprocess(rgb, preprocessing_spec(32, 1, mean=0.0, std=1.0)) * 255
    expected = 0.299 * rgb[:, 0].double() + 0.587 * rgb[:, 1].double() + 0.114 * rgb[:, 2].double()
    torch.testing.assert_close(gray[:, 0].double(), expected, rtol=0, atol=1e-3)
    pil = np.asarray(
        Image.fromarray(rgb[0].permute(1, 2, 0).numpy()).convert("L"), dtype=np.float64
    )
    # PIL rounds a 16-bit fixed-point version of the same weights to integers.
    assert np.abs(gray[0, 0].double().numpy() - pil).max() <= 0.51


def test_gray_images_keep_their_values():
    gray = torch.randint(0, 256, (2, 1, 32, 32), dtype=torch.uint8).expand(2, 3, 32, 32)
    out = preprocess(gray.contiguous(), preprocessing_spec(32, 1))
    torch.testing.assert_close(out, gray[:, :1].float() / 255 * 2 - 1, rtol=0, atol=1e-5)


def test_resize_normalise_and_skip():
    images = torch.full((3, 3, 64, 48), 255, dtype=torch.uint8)
    out = preprocess(images, preprocessing_spec(32, 3))
    assert out.shape == (3, 3, 32, 32) and out.dtype == torch.float32
    torch.testing.assert_close(out, torch.ones_like(out))  # (1 - 0.5) / 0.5
    same_size = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    torch.testing.assert_close(
        preprocess(same_size, preprocessing_spec(32, 3)), same_size.float() / 127.5 - 1
    )


def test_mixed_sizes_match_one_by_one():
    images = [torch.randint(0, 256, (3, s, s + 3), dtype=torch.uint8) for s in (20, 40, 33)]
    spec = preprocessing_spec(32, 3)
    mixed = preprocess_each(images, spec)
    torch.testing.assert_close(mixed, torch.cat([preprocess(img[None], spec) for img in images]))


def test_rejects_non_uint8_rgb():
    with pytest.raises(ValueError, match="uint8 RGB"):
        preprocess(torch.zeros(1, 1, 8, 8, dtype=torch.uint8), preprocessing_spec(8, 1))


def test_stratified_split_is_seeded_disjoint_and_balanced():
    labels = torch.tensor([0] * 50 + [1] * 30 + [2] * 20)
    train, val = stratified_split(labels, 0.2, seed=0)
    assert len(set(train.tolist()) & set(val.tolist())) == 0 and len(train) + len(val) == 100
    assert torch.bincount(labels[val]).tolist() == [10, 6, 4]
    again = stratified_split(labels, 0.2, seed=0)[1]
    other = stratified_split(labels, 0.2, seed=1)[1]
    assert indices_digest(again) == indices_digest(val) != indices_digest(other)


def test_disjoint_halves():
    a, b = disjoint_halves(11, seed=0)
    assert len(a) == len(b) == 5 and not set(a.tolist()) & set(b.tolist())
    assert torch.equal(disjoint_halves(11, seed=0)[0], a) and not torch.equal(
        disjoint_halves(11, seed=1)[0], a
    )
