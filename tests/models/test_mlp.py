"""MLP generator/discriminator: contract shapes, tanh range, exact parameter counts."""

import pytest
import torch

from ganforge.config import ModelConfig
from ganforge.losses import LOSSES
from ganforge.models import MODELS, build_models
from ganforge.models.mlp import LEAKY_SLOPE


def _cfg(g_width=16, d_width=12, z_dim=8):
    return ModelConfig(name="mlp", z_dim=z_dim, g={"width": g_width}, d={"width": d_width})


def _count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("resolution", [8, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_range_and_attributes(resolution, channels):
    torch.manual_seed(0)
    generator, discriminator = build_models(_cfg(), resolution, channels)
    z = torch.randn(5, 8) * 10  # large z pushes outputs towards the tanh bounds
    images = generator(z)
    assert images.shape == (5, channels, resolution, resolution)
    assert images.min() >= -1 and images.max() <= 1
    assert (generator.z_dim, generator.resolution, generator.channels) == (8, resolution, channels)
    logits = discriminator(images)
    assert logits.shape == (5,)


def test_parameter_counts_match_the_architecture():
    w_g, w_d, z, c, r = 16, 12, 8, 3, 32
    pixels = c * r * r
    generator, discriminator = build_models(_cfg(w_g, w_d, z), r, c)
    assert _count(generator) == (z * w_g + w_g) + (w_g * w_g + w_g) + (w_g * pixels + pixels)
    assert _count(discriminator) == (pixels * w_d + w_d) + (w_d * w_d + w_d) + (w_d + 1)


def test_width_scales_parameters():
    small = _count(build_models(_cfg(16, 16), 32, 1)[0])
    large = _count(build_models(_cfg(32, 32), 32, 1)[0])
    assert 1.9 < large / small < 2.5  # the C*R*R output layer dominates: about linear in width


def test_discriminator_logits_are_raw_and_leaky():
    torch.manual_seed(0)
    _, discriminator = build_models(_cfg(), 8, 1)
    logits = discriminator(torch.randn(64, 1, 8, 8) * 50)
    assert logits.min() < 0 or logits.max() > 1  # no sigmoid squashing
    slopes = [
        m.negative_slope for m in discriminator.modules() if isinstance(m, torch.nn.LeakyReLU)
    ]
    assert slopes == [LEAKY_SLOPE, LEAKY_SLOPE] and LEAKY_SLOPE == 0.01


def test_registered_with_a_registered_default_loss():
    spec = MODELS["mlp"]
    assert spec.default_loss == "nonsaturating" and spec.default_loss in LOSSES
    assert spec.resolutions is None


def test_spectral_norm_option_wraps_every_discriminator_layer():
    from torch.nn.utils import parametrize

    cfg = ModelConfig(name="mlp", z_dim=8, d={"width": 12, "spectral_norm": True})
    _, discriminator = build_models(cfg, 8, 1)
    linears = [m for m in discriminator.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 3 and all(parametrize.is_parametrized(m, "weight") for m in linears)
    assert discriminator(torch.randn(2, 1, 8, 8)).shape == (2,)
