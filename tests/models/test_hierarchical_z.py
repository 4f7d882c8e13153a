"""`model.g.hierarchical_z` (BigGAN): z split into chunks for the base, each up-block and the
last BatchNorm, whose scale and shift follow their chunk (and the class)."""

import pytest
import torch
from torch import nn

from ganforge.config import ModelConfig, load_config
from ganforge.errors import UserError
from ganforge.models.conditioning import LatentBatchNorm2d
from ganforge.models.resnet import ResNetGenerator, build_generator


def _randomised(generator: nn.Module) -> nn.Module:
    """The last BN's z layer starts at 0; give every z layer weights so every chunk acts."""
    torch.manual_seed(1)
    for module in generator.modules():
        if isinstance(module, LatentBatchNorm2d):
            nn.init.normal_(module.from_z.weight, std=0.3)
            if module.conditional:
                nn.init.normal_(module.gamma.weight, std=0.3)
    return generator.eval()


def test_chunks_cover_z_once_and_each_reaches_the_image():
    generator = _randomised(ResNetGenerator(z_dim=20, width=4, resolution=32, channels=3, num_classes=3,
                                            hierarchical_z=True))
    assert generator.z_chunks == [4, 4, 4, 4, 4]  # base, three up-blocks (32 px), last BN
    z, labels = torch.randn(2, 20), torch.tensor([0, 2])
    reference = generator(z, labels)
    for first in range(0, 20, 4):
        moved = z.clone()
        moved[:, first:first + 4] += 1.0
        assert not torch.allclose(generator(moved, labels), reference, atol=1e-4), f"chunk at {first}"
    assert not torch.allclose(generator(z, torch.tensor([1, 1])), reference, atol=1e-4)  # the class still acts


def test_at_initialisation_the_blocks_chunks_act_and_the_last_bns_does_not_yet():
    torch.manual_seed(0)
    generator = ResNetGenerator(z_dim=20, width=4, resolution=32, channels=3, hierarchical_z=True).eval()
    z = torch.randn(2, 20)
    block_chunk, last_chunk = z.clone(), z.clone()
    block_chunk[:, 8:12] += 1.0
    last_chunk[:, 16:] += 1.0
    assert not torch.allclose(generator(block_chunk), generator(z), atol=1e-4)
    assert torch.equal(generator(last_chunk), generator(z))


def test_unconditional_and_off_by_default():
    config = ModelConfig(name="resnet", z_dim=16, g={"width": 4}, d={"width": 4})
    plain = build_generator(config, 32, 1)
    assert not plain.hierarchical_z and plain.z_chunks == [16]
    assert not any(isinstance(m, LatentBatchNorm2d) for m in plain.modules())
    config.g.hierarchical_z = True
    layered = _randomised(build_generator(config, 64, 1))
    assert layered.z_chunks == [3, 3, 3, 3, 2, 2] and layered(torch.randn(2, 16)).shape == (2, 1, 64, 64)


def test_config_accepts_it_for_resnet_only_and_refuses_a_z_too_small():
    assert load_config("sngan-proj-shapes", {"model.g.hierarchical_z": True}).model.g.hierarchical_z
    with pytest.raises(UserError, match=r"model.g.hierarchical_z: model 'dcgan' has no such option"):
        load_config("dcgan-digits", {"model.g.hierarchical_z": True})
    with pytest.raises(UserError, match=r"model.z_dim: 3 is too small to split among 5 layers"):
        ResNetGenerator(z_dim=3, width=4, resolution=32, channels=3, hierarchical_z=True)
