"""DCGAN: shapes at every resolution, layer structure, Radford et al. init, SN/BN switches."""

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from ganforge.config import ModelConfig
from ganforge.losses import LOSSES
from ganforge.models import MODELS, build_models


def _cfg(width=4, z_dim=8, **d):
    return ModelConfig(name="dcgan", z_dim=z_dim, g={"width": width}, d={"width": width, **d})


def _count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("resolution", [32, 64, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_range_and_attributes(resolution, channels):
    torch.manual_seed(0)
    generator, discriminator = build_models(_cfg(), resolution, channels)
    images = generator(torch.randn(3, 8))
    assert images.shape == (3, channels, resolution, resolution)
    assert images.min() >= -1 and images.max() <= 1
    assert (generator.z_dim, generator.resolution, generator.channels) == (8, resolution, channels)
    assert discriminator(images).shape == (3,)


@pytest.mark.parametrize("resolution, blocks", [(32, 3), (64, 4), (128, 5)])
def test_block_count_and_widths_follow_the_resolution(resolution, blocks):
    generator, discriminator = build_models(_cfg(width=4), resolution, 3)
    project = generator.net[0]
    assert isinstance(project, nn.Linear) and project.out_features == 4 * 2 ** (blocks - 1) * 16
    g_convs = [m for m in generator.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [c.out_channels for c in g_convs] == [4 * 2**k for k in reversed(range(blocks - 1))] + [
        3
    ]
    # BN follows each (tanh the last, as in the paper), so none has a bias.
    assert all(c.bias is None for c in g_convs + [project])
    d_convs = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in d_convs] == [4 * 2**k for k in range(blocks)] + [1]
    assert d_convs[-1].kernel_size == (4, 4)


def test_parameter_counts_match_the_architecture():
    w, z, c = 8, 10, 3
    generator, discriminator = build_models(_cfg(width=w, z_dim=z), 32, c)
    g_convs = z * 4 * w * 16 + 4 * w * 2 * w * 16 + 2 * w * w * 16 + w * c * 16
    assert _count(generator) == g_convs + 2 * (4 * w + 2 * w + w)  # + BN scale and shift
    d_convs = (c * w * 16 + w) + w * 2 * w * 16 + 2 * w * 4 * w * 16 + (4 * w * 16 + 1)
    assert _count(discriminator) == d_convs + 2 * (2 * w + 4 * w)


def test_width_scales_parameters():
    small = _count(build_models(_cfg(width=16, z_dim=4), 32, 1)[0])
    large = _count(build_models(_cfg(width=32, z_dim=4), 32, 1)[0])
    assert 3.5 < large / small < 4.1  # conv weights grow with width^2


def test_radford_init_statistics():
    torch.manual_seed(0)
    generator, discriminator = build_models(_cfg(width=64, z_dim=100), 32, 3)
    for net in (generator, discriminator):
        layers = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)
        weights = torch.cat([m.weight.flatten() for m in net.modules() if isinstance(m, layers)])
        assert weights.std().item() == pytest.approx(0.02, rel=0.02)
        assert abs(weights.mean().item()) < 1e-3
        norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
        bn_scale = torch.cat([m.weight for m in norms])
        assert bn_scale.mean().item() == pytest.approx(1.0, abs=0.005)
        assert bn_scale.std().item() == pytest.approx(0.02, rel=0.15)
        biases = [m.bias for m in net.modules() if getattr(m, "bias", None) is not None]
        assert all(torch.all(b == 0) for b in biases)


def test_discriminator_batchnorm_skips_the_first_block_and_has_no_sigmoid():
    _, discriminator = build_models(_cfg(), 32, 3)
    layers = list(discriminator.net)
    assert isinstance(layers[0], nn.Conv2d) and isinstance(layers[1], nn.LeakyReLU)
    assert layers[1].negative_slope == 0.2
    assert sum(isinstance(m, nn.BatchNorm2d) for m in layers) == 2
    assert not any(isinstance(m, nn.Sigmoid) for m in discriminator.modules())
    logits = discriminator(torch.randn(16, 3, 32, 32) * 20)
    assert logits.min() < 0 or logits.max() > 1


def test_spectral_norm_replaces_batchnorm():
    _, discriminator = build_models(_cfg(spectral_norm=True), 32, 3)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in discriminator.modules())
    convs = [m for m in discriminator.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(parametrize.is_parametrized(m, "weight") for m in convs)


def test_batchnorm_off_leaves_plain_convs():
    _, discriminator = build_models(_cfg(batchnorm=False), 32, 1)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in discriminator.modules())
    assert discriminator(torch.randn(2, 1, 32, 32)).shape == (2,)


def test_channels_last_gives_the_same_output():
    torch.manual_seed(0)
    generator, discriminator = build_models(_cfg(), 32, 3)
    z = torch.randn(4, 8)
    images, logits = generator(z), discriminator(generator(z))
    generator.to(memory_format=torch.channels_last)
    discriminator.to(memory_format=torch.channels_last)
    assert torch.allclose(generator(z), images, atol=1e-5)
    assert torch.allclose(
        discriminator(images.contiguous(memory_format=torch.channels_last)), logits, atol=1e-5
    )


def test_unsupported_resolution_names_the_key_and_allowed_values():
    with pytest.raises(ValueError, match=r"data\.resolution: 48 .*dcgan.*32, 64, 128"):
        build_models(_cfg(), 48, 3)


def test_registered_with_a_registered_default_loss():
    spec = MODELS["dcgan"]
    assert spec.default_loss == "nonsaturating" and spec.default_loss in LOSSES
    assert spec.resolutions == (32, 64, 128)


def test_linear_base_equals_the_papers_transposed_conv_of_a_1x1_map():
    torch.manual_seed(0)
    generator, _ = build_models(_cfg(width=4, z_dim=8), 32, 1)
    project = generator.net[0]
    conv = nn.ConvTranspose2d(8, 16, 4, 1, 0, bias=False)
    with torch.no_grad():  # Linear weight [C*16, z] holds the conv weight [z, C, 4, 4] transposed
        conv.weight.copy_(project.weight.t().reshape(8, 16, 4, 4))
    z = torch.randn(3, 8)
    assert torch.allclose(generator.net[1](project(z)), conv(z.view(3, 8, 1, 1)), atol=1e-6)
