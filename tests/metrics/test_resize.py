"""Preprocessing modes (METRICS.md §2): TF1 bilinear, pytorch-fid bilinear, clean bicubic."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch_fidelity.interpolate_compat_tensorflow import interpolate_bilinear_2d_like_tensorflow1x

from ganforge.errors import UserError
from ganforge.metrics.resize import (
    RESIZE_MODES,
    clean_input,
    get_resize_mode,
    pytorch_fid_input,
    tf1_input,
    tf1_resize,
)


def random_images(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def test_tf1_resize_uses_corner_aligned_source_coordinates():
    """src = i * in/out without half-pixel centres; the last column repeats (hi clamped)."""
    row = torch.tensor([[[[10.0, 30.0]]]])  # [1,1,1,2]
    assert tf1_resize(row, size=4).tolist() == [[[[10.0, 20.0, 30.0, 30.0]] * 4]]
    three = torch.tensor([[[[0.0, 8.0, 40.0]]]])  # in 3 -> out 2: src = 0, 1.5
    assert tf1_resize(three, size=2)[0, 0, 0].tolist() == [0.0, 24.0]


def test_tf1_resize_interpolates_x_then_y():
    square = torch.tensor([[[[0.0, 100.0], [50.0, 250.0]]]])  # [1,1,2,2] -> 4×4, (1,1) at src (0.5,0.5)
    resized = tf1_resize(square, size=4)
    assert resized[0, 0, 1, 1].item() == pytest.approx((0 + 100 + 50 + 250) / 4)
    assert resized[0, 0, 0].tolist() == [0.0, 50.0, 100.0, 100.0]
    assert resized[0, 0, :, 0].tolist() == [0.0, 25.0, 50.0, 50.0]


@pytest.mark.parametrize("shape", [(2, 3, 32, 32), (1, 3, 17, 45), (1, 3, 320, 310), (1, 3, 8, 8)])
def test_tf1_resize_is_bit_exact_with_torch_fidelity(shape):
    images = random_images(*shape)
    expected = interpolate_bilinear_2d_like_tensorflow1x(images.float(), size=(299, 299), align_corners=False)
    assert torch.equal(tf1_resize(images), expected)
    assert torch.equal(tf1_input(images), (expected - 128) / 128)


def test_inception_sized_images_skip_the_resize():
    images = random_images(2, 3, 299, 299)
    expected = (images.float() - 128) / 128
    assert torch.equal(tf1_input(images), expected)
    assert torch.equal(clean_input(images), expected)
    assert torch.equal(pytorch_fid_input(images), 2 * (images.float() / 255) - 1)


def test_pytorch_fid_mode_is_half_pixel_bilinear_on_unit_range():
    images = random_images(2, 3, 20, 36)
    expected = 2 * F.interpolate(images.float() / 255, size=(299, 299), mode="bilinear", align_corners=False) - 1
    assert torch.equal(pytorch_fid_input(images), expected)
    assert (pytorch_fid_input(images) - tf1_input(images)).abs().max() > 0.05  # the modes really differ


def test_clean_mode_is_pil_bicubic_on_float_channels_without_requantisation():
    images = random_images(2, 3, 16, 24, seed=1)
    channel = images[1, 2].numpy().astype(np.float32)
    as_pil = Image.fromarray(channel)
    assert as_pil.mode == "F"
    pil = np.asarray(as_pil.resize((299, 299), Image.Resampling.BICUBIC))
    resized = clean_input(images)
    assert resized.shape == (2, 3, 299, 299) and resized.dtype == torch.float32
    assert torch.equal(resized[1, 2], (torch.from_numpy(pil.clip(0, 255)) - 128) / 128)
    pixels = resized * 128 + 128
    assert (pixels - pixels.round()).abs().max() > 0.1  # values between integers survive


def test_clean_mode_clips_bicubic_overshoot():
    step = torch.zeros(1, 3, 8, 8, dtype=torch.uint8)
    step[..., 4:] = 255  # a hard edge: bicubic rings above 255 and below 0
    overshoot = np.asarray(
        Image.fromarray(step[0, 0].numpy().astype(np.float32)).resize((299, 299), Image.Resampling.BICUBIC)
    )
    assert overshoot.max() > 255 and overshoot.min() < 0
    resized = clean_input(step)
    assert resized.max().item() == (255 - 128) / 128 and resized.min().item() == -1.0


def test_constant_images_stay_constant_in_every_mode():
    grey = torch.full((1, 3, 13, 21), 200, dtype=torch.uint8)
    for name, to_input in RESIZE_MODES.items():
        resized = to_input(grey)
        assert resized.shape == (1, 3, 299, 299), name
        assert torch.allclose(resized, resized[0, 0, 0, 0].expand_as(resized), atol=1e-6), name


def test_unknown_mode_is_a_user_error_naming_the_allowed_ones():
    assert get_resize_mode("tf1") is tf1_input
    with pytest.raises(UserError, match="--resize nearest: unknown resize mode; allowed: tf1, pytorch-fid, clean"):
        get_resize_mode("nearest")


def test_inputs_must_be_uint8_rgb():
    with pytest.raises(ValueError, match="uint8 RGB"):
        tf1_input(torch.zeros(1, 3, 8, 8))
    with pytest.raises(ValueError, match="uint8 RGB"):
        clean_input(torch.zeros(1, 1, 8, 8, dtype=torch.uint8))
