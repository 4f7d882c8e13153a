"""The exact rewrites behind the fast Inception trunk: BN folding, fused conv+ReLU, layouts."""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models.inception import BasicConv2d

from ganforge.metrics.features import inception_fast
from ganforge.metrics.features.inception_fast import (
    ConvReLU,
    exact_fp32,
    folded_conv,
    optimised_trunk,
)


def random_block(seed: int = 0) -> BasicConv2d:
    """A BasicConv2d (conv 3×3 + BN eps 1e-3) with non-trivial BN statistics, in eval mode."""
    torch.manual_seed(seed)
    block = BasicConv2d(8, 16, kernel_size=3, padding=1)
    block.bn.running_mean.uniform_(-2, 2)
    block.bn.running_var.uniform_(0.1, 4)
    block.bn.weight.data.uniform_(0.5, 2)
    block.bn.bias.data.uniform_(-1, 1)
    return block.eval()


def test_folded_conv_reproduces_conv_batchnorm_relu():
    block = random_block()
    x = torch.randn(2, 8, 11, 9)
    with torch.no_grad():
        expected = block.double()(x.double())
        block.float()
        folded = torch.relu(folded_conv(block)(x))
    assert ((folded.double() - expected).abs().max() / expected.abs().max()).item() < 1e-6


def test_fused_relu_gives_the_values_of_a_separate_relu(monkeypatch):
    conv = folded_conv(random_block(1))
    layer = ConvReLU(conv).to(memory_format=torch.channels_last)
    x = torch.randn(3, 8, 10, 10).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        fused = layer(x)
        monkeypatch.setattr(inception_fast, "FUSED_CONV_RELU", False)
        separate = layer(x)
        reference = torch.relu(conv(x))
    assert (fused >= 0).all() and (fused == 0).any()
    assert torch.allclose(fused, separate, rtol=1e-6, atol=1e-6)
    assert torch.allclose(separate, reference, rtol=1e-6, atol=1e-6)


def test_optimised_trunk_replaces_every_block_and_leaves_the_original_alone():
    trunk = nn.Sequential(random_block(2), nn.MaxPool2d(2), nn.Sequential(BasicConv2d(16, 4, kernel_size=1)))
    trunk.eval()
    optimised = optimised_trunk(trunk)
    assert not any(isinstance(module, BasicConv2d) for module in optimised.modules())
    assert sum(isinstance(module, ConvReLU) for module in optimised.modules()) == 2
    assert isinstance(trunk[0], BasicConv2d)  # a copy was rewritten, not the caller's trunk
    assert optimised[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert not optimised.training and not any(p.requires_grad for p in optimised.parameters())
    x = torch.randn(2, 8, 12, 12)
    with torch.no_grad():
        assert torch.allclose(optimised(x.contiguous(memory_format=torch.channels_last)), trunk(x), atol=1e-5)


def test_exact_fp32_restores_the_callers_settings():
    before = inception_fast._fp32_flags()
    torch.backends.cudnn.benchmark = True
    try:
        with exact_fp32():
            assert inception_fast._fp32_flags()[2] is False
            assert inception_fast._fp32_flags()[:2] in {("ieee", "ieee"), (False, False)}
        assert inception_fast._fp32_flags()[2] is True
    finally:
        torch.backends.cudnn.benchmark = before[2]
    assert inception_fast._fp32_flags() == before
