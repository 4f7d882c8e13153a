"""U-Net, ResNet and PatchGAN networks: shapes, sizes of the papers, normalisation, init."""

import pytest
import torch
from torch import nn

from ganforge.models.patchgan import PatchDiscriminator, PixelDiscriminator, receptive_field
from ganforge.models.resnet_translator import ResnetGenerator
from ganforge.models.unet import UnetGenerator


def _params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(("resolution", "depth"), [(32, 5), (64, 6), (256, 8)])
def test_unet_depth_follows_the_resolution(resolution, depth):
    net = UnetGenerator(1, 3, resolution, width=4)
    assert net.depth == depth and net.multiple == resolution
    out = net(torch.randn(2, 1, resolution, resolution))
    assert out.shape == (2, 3, resolution, resolution)
    assert out.abs().max() <= 1
    dropouts = [m for m in net.modules() if isinstance(m, nn.Dropout)]
    assert len(dropouts) == depth - 5  # the inner decoder blocks, as pix2pix (3 at 256)


def test_unet_skips_reach_the_output():
    """Changing one input pixel changes the output near it even with the bottleneck fixed."""
    net = UnetGenerator(3, 3, 32, width=4).eval()
    x = torch.randn(1, 3, 32, 32)
    y = x.clone()
    y[..., 5, 5] += 3
    assert (net(x) - net(y)).abs()[..., 4:7, 4:7].sum() > 0


def test_reference_sizes_of_the_paper_networks():
    # Parameter counts of the reference unet_256, resnet_9blocks and basic (70x70) D.
    assert _params(UnetGenerator(3, 3, 256)) == 54_413_955
    assert _params(ResnetGenerator(3, 3, blocks=9)) == 11_378_179
    assert _params(PatchDiscriminator(6)) == 2_768_705


def test_patchgan_sees_70x70_patches_by_default():
    assert receptive_field(3) == 70 and receptive_field(1) == 16
    d = PatchDiscriminator(6, width=8)
    assert d(torch.randn(1, 6, 256, 256)).shape == (1, 1, 30, 30)
    assert PixelDiscriminator(6, width=8)(torch.randn(2, 6, 20, 20)).shape == (2, 1, 20, 20)


def test_resnet_generator_uses_reflection_padding_and_instance_norm():
    net = ResnetGenerator(3, 3, blocks=6, width=4, norm="instance")
    kinds = {type(m) for m in net.modules()}
    assert nn.ReflectionPad2d in kinds and nn.InstanceNorm2d in kinds and nn.BatchNorm2d not in kinds
    assert sum(1 for m in net.modules() if type(m).__name__ == "ResidualBlock") == 6
    assert net(torch.randn(1, 3, 36, 44)).shape == (1, 3, 36, 44)


def test_weights_are_initialised_as_the_papers():
    torch.manual_seed(0)
    net = UnetGenerator(3, 3, 64, width=16)
    convs = torch.cat([m.weight.flatten() for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))])
    norms = torch.cat([m.weight.flatten() for m in net.modules() if isinstance(m, nn.BatchNorm2d)])
    assert abs(convs.mean()) < 1e-3 and abs(convs.std() - 0.02) < 1e-3
    assert abs(norms.mean() - 1) < 0.01 and abs(norms.std() - 0.02) < 0.01
