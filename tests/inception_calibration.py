"""Random-but-informative Inception weights for offline conformance tests and benchmarks.

A randomly initialised network gives near-constant features, so comparing two
implementations on it proves nothing. Calibrating its BatchNorm statistics on a few images
(METRICS.md §7) rescales every layer to unit variance and makes features vary across
images; `feature_variation_ok` checks that before any comparison is trusted.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganforge.metrics.features.inception import build_fid_inception, fid_trunk
from ganforge.metrics.resize import tf1_input


def varied_images(n: int, size: int = 32, seed: int = 0) -> Tensor:
    """Seeded test images uint8 [n,3,size,size]: per-image colour gradients, a bright square, noise.

    Images differ in colour, layout and texture, unlike i.i.d. noise, whose images all look
    alike to a network once averaged over space.
    """
    generator = torch.Generator().manual_seed(seed)
    ramp = torch.linspace(0, 1, size)
    colours = torch.rand(n, 3, 2, generator=generator) * 255
    direction = torch.rand(n, 1, 1, 1, generator=generator)
    gradient = direction * ramp[None, None, :, None] + (1 - direction) * ramp[None, None, None, :]
    images = colours[..., :1, None] + (colours[..., 1:, None] - colours[..., :1, None]) * gradient
    corners = torch.randint(0, size // 2, (n, 2), generator=generator)
    for image, (top, left) in zip(images, corners.tolist(), strict=True):
        image[:, top : top + size // 3, left : left + size // 3] = 255
    noise = torch.randn(n, 3, size, size, generator=generator) * 20
    return (images + noise).round().clamp(0, 255).to(torch.uint8)


def calibrated_random_inception_state(
    seed: int = 0, batches: int = 1, batch_size: int = 4, image_size: int = 32
) -> dict[str, Tensor]:
    """State dict of a seeded random FID Inception whose BN statistics are fitted to `varied_images`.

    Cost: `batches * batch_size` forward passes at 299×299 (a few seconds on a CPU). One batch
    of 4 already gives features whose spread across images matches their mean magnitude.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        network = build_fid_inception()
    for module in network.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # cumulative average over all calibration batches
    trunk = fid_trunk(network).to(memory_format=torch.channels_last).train()  # NHWC: faster on CPU
    images = varied_images(batches * batch_size, image_size, seed=seed + 1)
    with torch.no_grad():
        for batch in images.split(batch_size):
            trunk(tf1_input(batch).contiguous(memory_format=torch.channels_last))
    network.eval()
    return {name: tensor.contiguous() for name, tensor in network.state_dict().items()}


def feature_variation_ok(features: Tensor, min_ratio: float = 1e-2) -> bool:
    """Whether features [N,D] vary across images: mean per-dimension std > `min_ratio` × mean |value|."""
    values = features.double()
    spread = values.std(dim=0).mean()
    magnitude = values.abs().mean()
    return bool(spread > min_ratio * magnitude)
