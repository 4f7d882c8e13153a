"""FastGAN: the light generator with skip-layer excitation, and its self-supervised discriminator."""

from __future__ import annotations

import pytest
import torch

from ganforge.models.fastgan import FastGANGenerator
from ganforge.models.fastgan_blocks import ChannelGLU, UpBlock
from ganforge.models.fastgan_discriminator import FastGANDiscriminator


@pytest.mark.parametrize(("resolution", "channels"), [(32, 1), (64, 3), (128, 1), (256, 3)])
def test_generator_shapes_and_range(resolution, channels):
    torch.manual_seed(0)
    generator = FastGANGenerator(8, 4, resolution, channels)
    images = generator(torch.randn(3, 8))
    assert images.shape == (3, channels, resolution, resolution)
    assert images.abs().max() <= 1 and images.std() > 0
    expected = [str(s) for s in (64, 128, 256) if s <= resolution]
    assert list(generator.excitations) == expected  # one gate per side >= 64, from the map 16x smaller


def test_skip_layer_excitation_gates_the_large_map_by_the_small_one():
    torch.manual_seed(0)
    generator = FastGANGenerator(8, 4, 64, 3).eval()
    z = torch.randn(2, 8)
    before = generator(z)
    gate = generator.excitations["64"].gate
    torch.nn.init.zeros_(gate[3].parametrizations.weight.original)  # sigmoid(0) = 1/2 everywhere
    assert not torch.allclose(before, generator(z))


def test_channel_glu_is_torch_glu_over_channels():
    torch.manual_seed(0)
    x = torch.randn(2, 6, 5, 5).contiguous(memory_format=torch.channels_last)
    assert torch.equal(ChannelGLU()(x), torch.nn.functional.glu(x, dim=1))


def test_up_block_batch_norm_gets_gradients_in_the_layout_of_its_input():
    # BatchNorm's CPU backward on a channels_last input with an NCHW gradient (what nn.GLU's
    # backward gives) was 6x slower than with matching layouts.
    torch.manual_seed(0)
    block = UpBlock(8, 8).to(memory_format=torch.channels_last)
    x = torch.randn(4, 8, 8, 8).contiguous(memory_format=torch.channels_last)
    layouts = []
    norm_output = {}
    block.net[2].register_forward_hook(lambda module, args, output: norm_output.setdefault("y", output))
    out = block(x)
    norm_output["y"].register_hook(lambda grad: layouts.append(grad.is_contiguous(memory_format=torch.channels_last)))
    out.square().sum().backward()
    assert layouts == [True]


def test_conditional_generator_uses_its_label():
    torch.manual_seed(0)
    generator = FastGANGenerator(8, 4, 32, 1, num_classes=3).eval()
    z = torch.randn(1, 8).repeat(2, 1)
    images = generator(z, torch.tensor([0, 2]))
    assert not torch.allclose(images[0], images[1])


@pytest.mark.parametrize("resolution", [64, 128, 256])
def test_discriminator_patch_logits_and_a_reconstruction_loss_that_learns(resolution):
    torch.manual_seed(0)
    discriminator = FastGANDiscriminator(4, resolution, 3)
    images = torch.rand(2, 3, resolution, resolution) * 2 - 1
    assert discriminator(images).shape == (2, 25)
    logits, loss = discriminator(images, reconstruct=True)
    assert logits.shape == (2, 25) and loss.ndim == 0 and loss > 0
    decoders = list(discriminator.decode_whole.parameters()) + list(discriminator.decode_part.parameters())
    optimizer = torch.optim.Adam(decoders, lr=1e-2)
    first = None
    for _ in range(15):
        torch.manual_seed(1)  # the same quarter each time
        _, loss = discriminator(images, reconstruct=True)
        first = first if first is not None else loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.7 * first  # the decoders learn to rebuild real images
