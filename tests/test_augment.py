"""DiffAugment: shapes, gradients, determinism, and what each policy does to the pixels."""

import pytest
import torch
import torch.nn.functional as F

from ganforge.augment import AUGMENTATIONS, diff_augment
from ganforge.errors import UserError

POLICIES = [["color"], ["translation"], ["cutout"], ["color", "translation", "cutout"]]


def _images(n=16, channels=3, size=32, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, channels, size, size, generator=generator) * 2 - 1


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("channels", [1, 3])
def test_shape_is_preserved_and_gradients_flow(policy, channels):
    images = _images(channels=channels).requires_grad_(True)
    augmented = diff_augment(images, policy)
    assert augmented.shape == images.shape and augmented.dtype == images.dtype
    (augmented * torch.randn_like(augmented)).sum().backward()
    assert images.grad is not None and torch.isfinite(images.grad).all()
    assert images.grad.abs().sum() > 0


def test_empty_policy_is_identity():
    images = _images()
    assert diff_augment(images, []) is images


@pytest.mark.parametrize("policy", POLICIES)
def test_deterministic_given_the_seed_and_fresh_on_each_call(policy):
    images = _images()
    torch.manual_seed(123)
    first = diff_augment(images, policy)
    second = diff_augment(images, policy)
    torch.manual_seed(123)
    again = diff_augment(images, policy)
    assert torch.equal(first, again)
    assert not torch.equal(first, second)


def _shifted(image, dy, dx, limit):
    """image [C, H, W] moved by (dy, dx) pixels with zero fill."""
    _, height, width = image.shape
    padded = F.pad(image, [limit, limit, limit, limit])
    return padded[:, limit - dy : limit - dy + height, limit - dx : limit - dx + width]


def test_translation_shifts_each_image_by_at_most_an_eighth_with_zero_fill():
    images = _images(n=24) + 3  # strictly positive, so zero fill is recognisable
    torch.manual_seed(0)
    augmented = diff_augment(images, ["translation"])
    limit = 4  # 32 / 8
    shifts = []
    for image, out in zip(images, augmented, strict=True):
        matches = [
            (dy, dx)
            for dy in range(-limit, limit + 1)
            for dx in range(-limit, limit + 1)
            if torch.equal(out, _shifted(image, dy, dx, limit))
        ]
        assert len(matches) == 1
        shifts.append(matches[0])
    assert len(set(shifts)) > 5  # per-sample shifts
    assert any(shift != (0, 0) for shift in shifts)


def test_cutout_zeros_one_square_of_half_the_side_and_keeps_the_rest():
    images = _images(n=64) + 3
    torch.manual_seed(0)
    augmented = diff_augment(images, ["cutout"])
    erased = augmented == 0
    assert torch.equal(augmented[~erased], images[~erased])
    assert torch.equal(erased, erased[:, :1].expand_as(erased))  # same square in every channel
    counts = []
    for mask in erased[:, 0]:
        rows, cols = mask.any(1).nonzero().flatten(), mask.any(0).nonzero().flatten()
        height, width = len(rows), len(cols)
        assert 0 < height <= 16 and 0 < width <= 16
        assert mask.sum() == height * width  # a rectangle: the square, clipped at the border
        counts.append(height * width)
    assert max(counts) == 16 * 16


def test_color_shifts_the_mean_and_rescales_the_contrast():
    images = _images(n=32, channels=1)
    torch.manual_seed(0)
    augmented = diff_augment(images, ["color"])
    mean_shift = augmented.mean(dim=(1, 2, 3)) - images.mean(dim=(1, 2, 3))
    assert torch.all(mean_shift >= -0.5) and torch.all(mean_shift < 0.5)
    centred_in = images - images.mean(dim=(1, 2, 3), keepdim=True)
    centred_out = augmented - augmented.mean(dim=(1, 2, 3), keepdim=True)
    scale = centred_out.flatten(1).norm(dim=1) / centred_in.flatten(1).norm(dim=1)
    # One channel: saturation has nothing to act on, contrast scales by [0.5, 1.5).
    assert torch.allclose(centred_out, centred_in * scale[:, None, None, None], atol=1e-5)
    assert torch.all(scale >= 0.5 - 1e-5) and torch.all(scale < 1.5 + 1e-5)
    assert mean_shift.std() > 0.1 and scale.std() > 0.1


def test_color_preserves_the_image_mean_shift_for_rgb():
    images = _images(n=16, channels=3)
    torch.manual_seed(0)
    augmented = diff_augment(images, ["color"])
    mean_shift = augmented.mean(dim=(1, 2, 3)) - images.mean(dim=(1, 2, 3))
    # Saturation keeps each pixel's channel mean, contrast the image mean: brightness moves it.
    assert torch.all(mean_shift.abs() <= 0.5)
    assert not torch.allclose(augmented - mean_shift[:, None, None, None], images, atol=1e-3)


def test_unknown_policy_is_a_user_error():
    with pytest.raises(UserError, match="augment.diffaugment.*'flip'.*color"):
        diff_augment(_images(), ["flip"])
    assert set(AUGMENTATIONS) == {"color", "translation", "cutout"}
