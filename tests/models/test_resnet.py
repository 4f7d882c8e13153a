"""SNGAN ResNet: shapes, exact CIFAR parameter counts, spectral norm on every D layer."""

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from ganforge.config import ModelConfig
from ganforge.losses import LOSSES
from ganforge.models import MODELS, build_models


def _cfg(g_width=4, d_width=4, z_dim=8):
    return ModelConfig(name="resnet", z_dim=z_dim, g={"width": g_width}, d={"width": d_width})


def _count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("resolution", [32, 64, 128])
@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_range_and_attributes(resolution, channels):
    torch.manual_seed(0)
    generator, discriminator = build_models(_cfg(), resolution, channels)
    images = generator(torch.randn(2, 8))
    assert images.shape == (2, channels, resolution, resolution)
    assert images.min() >= -1 and images.max() <= 1
    assert (generator.z_dim, generator.resolution, generator.channels) == (8, resolution, channels)
    assert discriminator(images).shape == (2,)


def test_parameter_counts_match_the_sngan_cifar_architecture():
    w_g, w_d, z, c = 8, 6, 5, 3
    generator, discriminator = build_models(_cfg(w_g, w_d, z), 32, c)
    up_block = 2 * w_g + (9 * w_g * w_g + w_g) + 2 * w_g + (9 * w_g * w_g + w_g) + (w_g * w_g + w_g)
    to_image = 2 * w_g + 9 * w_g * c + c
    assert _count(generator) == (16 * w_g * z + 16 * w_g) + 3 * up_block + to_image
    w = w_d
    optimized = (9 * c * w + w) + (9 * w * w + w) + (c * w + w)
    down = 2 * (9 * w * w + w) + (w * w + w)
    plain = 2 * (9 * w * w + w)  # same channels, no pooling: identity shortcut
    assert _count(discriminator) == optimized + down + 2 * plain + (w + 1)


def test_width_scales_parameters():
    small = _count(build_models(_cfg(8, 8), 32, 3)[1])
    large = _count(build_models(_cfg(16, 16), 32, 3)[1])
    assert 3.5 < large / small < 4.1


def test_every_discriminator_layer_is_spectrally_normalised():
    _, discriminator = build_models(_cfg(), 64, 3)
    layers = [m for m in discriminator.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(layers) == 3 + 2 * 3 + 2 * 2 + 1  # optimized + 2 pooled + 2 plain blocks + head
    assert all(parametrize.is_parametrized(m, "weight") for m in layers)
    generator, _ = build_models(_cfg(), 64, 3)
    assert not any(parametrize.is_parametrized(m) for m in generator.modules())


def test_largest_singular_value_is_one_after_power_iterations():
    torch.manual_seed(0)
    _, discriminator = build_models(_cfg(d_width=8), 32, 3)
    for module in discriminator.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            for _ in range(30):  # each read of the weight in training mode runs one power iteration
                module.weight  # noqa: B018
            module.eval()
            sigma = torch.linalg.matrix_norm(module.weight.flatten(1), ord=2).item()
            assert sigma == pytest.approx(1.0, abs=0.02)
            raw = module.parametrizations.weight.original.flatten(1)
            assert torch.linalg.matrix_norm(raw, ord=2).item() != pytest.approx(1.0, abs=0.02)


def test_discriminator_is_residual_with_sum_pooling():
    torch.manual_seed(0)
    _, discriminator = build_models(_cfg(), 32, 1)
    # Sum (not mean) pooling: a constant image twice as large gives a different, unbounded logit.
    logits = discriminator(torch.full((1, 1, 32, 32), 50.0))
    assert logits.abs().item() > 1e-3


def test_unsupported_resolution_names_the_key_and_allowed_values():
    with pytest.raises(ValueError, match=r"data\.resolution: 16 .*resnet.*32, 64, 128"):
        build_models(_cfg(), 16, 3)


def test_registered_with_hinge_loss():
    spec = MODELS["resnet"]
    assert spec.default_loss == "hinge" and spec.default_loss in LOSSES


def _d_with_minibatch_std():
    return ModelConfig(name="resnet", z_dim=8, g={"width": 4}, d={"width": 4, "minibatch_std": True})


def test_minibatch_std_makes_d_see_the_batch_and_is_off_by_default():
    from ganforge.models.minibatch_std import MinibatchStd

    torch.manual_seed(0)
    _, plain = build_models(_cfg(), 32, 3, num_classes=5)
    _, seeing = build_models(_d_with_minibatch_std(), 32, 3, num_classes=5)
    assert not any(isinstance(m, MinibatchStd) for m in plain.modules())
    assert sum(isinstance(m, MinibatchStd) for m in seeing.modules()) == 1
    plain.eval(), seeing.eval()  # no power iteration between the calls
    images, labels = torch.rand(4, 3, 32, 32) * 2 - 1, torch.arange(4)
    # The first image's logit moves when only the other images of its group change.
    others = images.clone()
    others[1:] = torch.rand(3, 3, 32, 32) * 2 - 1
    assert torch.allclose(plain(images, labels)[0], plain(others, labels)[0], atol=1e-6)
    assert (seeing(images, labels)[0] - seeing(others, labels)[0]).abs() > 1e-4


def test_minibatch_std_discriminator_state_round_trips_and_old_ones_load_unchanged():
    torch.manual_seed(0)
    _, seeing = build_models(_d_with_minibatch_std(), 32, 3, num_classes=5)
    _, again = build_models(_d_with_minibatch_std(), 32, 3, num_classes=5)
    again.load_state_dict(seeing.state_dict())
    images, labels = torch.rand(4, 3, 32, 32) * 2 - 1, torch.arange(4)
    seeing.eval(), again.eval()
    assert torch.equal(seeing(images, labels), again(images, labels))
    # A D written before the option (no key in its config) has the same layout as one built now.
    _, old = build_models(_cfg(), 32, 3, num_classes=5)
    _, new = build_models(_cfg(), 32, 3, num_classes=5)
    assert new.load_state_dict(old.state_dict(), strict=True).missing_keys == []


def test_minibatch_std_is_refused_by_models_without_it():
    from ganforge.config import load_config
    from ganforge.errors import UserError

    with pytest.raises(UserError, match=r"model.d.minibatch_std: model 'dcgan' has no such option"):
        load_config("dcgan-digits", {"model.d.minibatch_std": True})
