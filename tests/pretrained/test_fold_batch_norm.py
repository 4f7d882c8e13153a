"""Folding a frozen network's BatchNorms into its convs: the same outputs, no norm left."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from ganforge.pretrained.fold_batch_norm import fold_batch_norms


def _calibrated(network: nn.Module) -> nn.Module:
    """Running statistics from a few batches, so that folding has something to fold."""
    for norm in network.modules():
        if isinstance(norm, nn.BatchNorm2d):
            norm.momentum = None
            nn.init.normal_(norm.weight, 1.0, 0.3)
            nn.init.normal_(norm.bias, 0.0, 0.3)
    network.train()
    with torch.no_grad():
        for _ in range(3):
            network(torch.randn(8, 3, 12, 12))
    return network.eval()


def test_folded_network_gives_the_same_outputs_and_gradients_with_no_norm_left():
    torch.manual_seed(0)
    network = _calibrated(nn.Sequential(
        nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
        nn.Conv2d(8, 8, 3, 1, 1, groups=8), nn.BatchNorm2d(8),
        nn.Sequential(nn.Conv2d(8, 4, 1), nn.BatchNorm2d(4)),
    ))  # fmt: skip
    folded = fold_batch_norms(copy.deepcopy(network))
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    assert not any(p.requires_grad for p in folded.parameters())
    x = torch.randn(5, 3, 12, 12, requires_grad=True)
    expected = network(x)
    (grad_expected,) = torch.autograd.grad(expected.square().sum(), x)
    got = folded(x)
    (grad_got,) = torch.autograd.grad(got.square().sum(), x)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(grad_got, grad_expected, rtol=1e-4, atol=1e-4)


def test_a_norm_after_something_else_than_a_conv_is_kept():
    network = nn.Sequential(nn.ReLU(), nn.BatchNorm2d(3)).eval()
    assert isinstance(fold_batch_norms(network)[1], nn.BatchNorm2d)


def test_norms_in_training_mode_are_refused():
    with pytest.raises(ValueError, match="eval mode"):
        fold_batch_norms(nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3)))
