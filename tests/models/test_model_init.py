"""Weight-init functions: distribution parameters on large layers, zero biases."""

import math

import pytest
import torch
from torch import nn

from ganforge.models.init import dcgan_init, xavier_init


def test_dcgan_init_draws_normal_weights_and_unit_bn_scale():
    torch.manual_seed(0)
    layers = nn.Sequential(nn.Linear(300, 400), nn.BatchNorm1d(5000), nn.ConvTranspose2d(64, 64, 4))
    layers.apply(dcgan_init)
    for weight in (layers[0].weight, layers[2].weight):
        assert weight.std().item() == pytest.approx(0.02, rel=0.02)
        assert abs(weight.mean().item()) < 5e-4
    assert layers[1].weight.mean().item() == pytest.approx(1.0, abs=2e-3)
    assert layers[1].weight.std().item() == pytest.approx(0.02, rel=0.05)
    assert torch.all(layers[0].bias == 0) and torch.all(layers[1].bias == 0)


def test_xavier_init_uses_the_glorot_bound_times_gain():
    torch.manual_seed(0)
    conv = nn.Conv2d(32, 48, 3)
    xavier_init(conv, gain=math.sqrt(2.0))
    fan_in, fan_out = 32 * 9, 48 * 9
    bound = math.sqrt(2.0) * math.sqrt(6.0 / (fan_in + fan_out))
    assert conv.weight.abs().max().item() <= bound
    assert conv.weight.abs().max().item() > 0.99 * bound
    assert conv.weight.std().item() == pytest.approx(bound / math.sqrt(3.0), rel=0.03)
    assert torch.all(conv.bias == 0)


def test_other_modules_are_left_alone():
    relu = nn.ReLU()
    dcgan_init(relu)
    xavier_init(relu)
