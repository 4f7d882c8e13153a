"""PSNR, SSIM and L1 of the translation metrics, SSIM against scikit-image."""

import math

import numpy as np
import pytest
import torch

from ganforge.translation.metrics import l1, paired_scores, psnr, ssim


def _pair(seed=0, shape=(3, 3, 32, 40)):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 256, shape, dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-40, 40, shape), 0, 255).astype(np.uint8)
    return a, b


@pytest.mark.parametrize("shape", [(3, 3, 32, 40), (2, 1, 11, 17), (1, 3, 64, 64)])
def test_ssim_matches_scikit_image(shape):
    metrics = pytest.importorskip("skimage.metrics")
    a, b = _pair(1, shape)
    ours = ssim(torch.from_numpy(a), torch.from_numpy(b))
    for i in range(shape[0]):
        reference = metrics.structural_similarity(
            a[i], b[i], gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255, channel_axis=0
        )
        assert abs(float(ours[i]) - reference) < 1e-6


def test_ssim_of_identical_images_is_one_and_drops_with_noise():
    a, b = _pair(2)
    same = ssim(torch.from_numpy(a), torch.from_numpy(a))
    assert torch.allclose(same, torch.ones(3, dtype=torch.float64))
    assert (ssim(torch.from_numpy(a), torch.from_numpy(b)) < 0.99).all()


def test_ssim_refuses_images_smaller_than_its_window():
    with pytest.raises(ValueError, match="at least 11x11"):
        ssim(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), torch.zeros(1, 3, 8, 8, dtype=torch.uint8))


def test_psnr_and_l1_of_a_known_difference():
    target = torch.zeros(2, 3, 16, 16, dtype=torch.uint8)
    output = torch.full_like(target, 10)
    assert torch.allclose(psnr(output, target), torch.full((2,), 10 * math.log10(255**2 / 100), dtype=torch.float64))
    assert torch.allclose(l1(output, target), torch.full((2,), 10 / 255, dtype=torch.float64))
    scores = paired_scores(output, target)
    assert set(scores) == {"psnr", "ssim", "l1"}
    assert psnr(target, target).max() == 100.0  # an exact copy is capped, not infinite
