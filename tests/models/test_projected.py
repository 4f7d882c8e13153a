"""The projected discriminator: frozen features at four scales, fixed projections, small heads."""

from __future__ import annotations

import pytest
import torch

from ganforge.errors import UserError
from ganforge.models import MODELS
from ganforge.models.projected import ProjectedDiscriminator
from ganforge.pretrained.efficientnet_weights import WEIGHTS_SHA256


@pytest.fixture(autouse=True)
def features(stand_in_efficientnet):
    return stand_in_efficientnet


@pytest.mark.parametrize(("resolution", "channels"), [(32, 1), (64, 3), (128, 1), (256, 3)])
def test_one_logit_per_scale_at_every_resolution_and_channel_count(resolution, channels):
    torch.manual_seed(0)
    discriminator = ProjectedDiscriminator(4, resolution, channels)
    images = torch.rand(2, channels, resolution, resolution) * 2 - 1
    logits = discriminator(images)
    assert logits.shape == (2, 4) and torch.isfinite(logits).all()
    assert not torch.allclose(logits[0], logits[1])  # different images, different verdicts


def test_gray_images_read_as_three_equal_channels():
    torch.manual_seed(0)
    discriminator = ProjectedDiscriminator(4, 32, 1).eval()
    gray = torch.rand(2, 1, 32, 32) * 2 - 1
    # One channel is contiguous in both layouts; the network reads it channels_last.
    as_color = gray.expand(-1, 3, -1, -1).contiguous(memory_format=torch.channels_last)
    assert torch.equal(discriminator(gray), discriminator(as_color))


@pytest.mark.parametrize("channels", [1, 3])
def test_the_feature_network_runs_in_the_layout_of_channels_last_images(channels):
    """The gray expansion is a stride-0 view in neither layout; the network must still follow the
    images' channels_last (in NCHW its depthwise convs on 1x1 maps were a quarter of a step)."""
    torch.manual_seed(0)
    discriminator = ProjectedDiscriminator(4, 32, channels).eval()
    images = (torch.rand(2, channels, 32, 32) * 2 - 1).contiguous(memory_format=torch.channels_last)
    logits = discriminator(images)
    weight = discriminator._frozen[0][0][0].weight
    assert weight.is_contiguous(memory_format=torch.channels_last) and not weight.is_contiguous()
    if channels == 3:  # NCHW in (one channel is both layouts): the network follows, the verdict holds
        plain = discriminator(images.contiguous())
        assert discriminator._frozen[0][0][0].weight.is_contiguous()
        torch.testing.assert_close(logits, plain, rtol=1e-4, atol=1e-5)


def test_the_feature_network_has_its_batch_norms_folded_and_the_same_features(features):
    from ganforge.pretrained.efficientnet_lite import stage_features

    torch.manual_seed(0)
    discriminator = ProjectedDiscriminator(4, 32, 3)
    discriminator.load_features()
    folded, unfolded = discriminator._frozen[0], features()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in unfolded.modules()) == 48
    images = torch.rand(4, 3, 32, 32) * 2 - 1
    for got, expected in zip(stage_features(folded, images), stage_features(unfolded, images), strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_the_feature_network_is_frozen_unsaved_and_stays_in_eval_mode():
    torch.manual_seed(0)
    discriminator = ProjectedDiscriminator(4, 32, 3).train()
    images = (torch.rand(4, 3, 32, 32) * 2 - 1).requires_grad_(True)
    discriminator(images).mean().backward()
    stages = discriminator._frozen[0]
    assert not any(m.training for m in stages.modules())  # BN keeps its ImageNet statistics
    assert all(p.grad is None and not p.requires_grad for p in stages.parameters())
    assert images.grad is not None and images.grad.abs().sum() > 0  # G's gradient reaches the images
    trained = {id(p) for p in discriminator.parameters()}
    assert not trained & {id(p) for p in stages.parameters()}
    state = discriminator.state_dict()
    assert not any(key.startswith("_frozen") for key in state)
    assert sum(p.numel() for p in stages.parameters()) > 2_900_000  # what a checkpoint does not carry
    assert state["_extra_state"] == {"feature_network": "efficientnet-lite0", "sha256": WEIGHTS_SHA256}


def test_projections_are_fixed_buffers_saved_and_restored():
    torch.manual_seed(0)
    first = ProjectedDiscriminator(4, 32, 3)
    torch.manual_seed(1)
    second = ProjectedDiscriminator(4, 32, 3)
    buffers = [name for name, _ in first.projections.named_buffers()]
    assert len(buffers) == 14  # CCM: 4 weights + 4 biases; CSM: 3 + 3
    assert not torch.equal(first.projections.ccm0_weight, second.projections.ccm0_weight)
    before = first.projections.ccm3_weight.clone()
    optimizer = torch.optim.Adam(first.parameters(), lr=0.1)
    first(torch.rand(2, 3, 32, 32)).mean().backward()
    optimizer.step()
    assert torch.equal(first.projections.ccm3_weight, before)  # never trained
    second.load_state_dict(first.state_dict())
    for name in buffers:
        assert torch.equal(getattr(first.projections, name), getattr(second.projections, name)), name


def test_a_checkpoint_of_other_feature_weights_is_refused_by_name():
    discriminator = ProjectedDiscriminator(4, 32, 3)
    state = discriminator.state_dict()
    state["_extra_state"] = {"feature_network": "efficientnet-lite0", "sha256": "0" * 64}
    with pytest.raises(UserError, match="SHA-256 0{64}, this ganforge reads " + WEIGHTS_SHA256):
        ProjectedDiscriminator(4, 32, 3).load_state_dict(state)


def test_class_conditional_logits_depend_on_the_label():
    torch.manual_seed(0)
    discriminator = ProjectedDiscriminator(4, 32, 3, num_classes=3).eval()
    torch.nn.init.normal_(discriminator.heads[0].projection.embed.parametrizations.weight.original)
    images = torch.rand(2, 3, 32, 32).repeat(2, 1, 1, 1)
    logits = discriminator(images, torch.tensor([0, 0, 1, 1]))
    assert not torch.allclose(logits[:2], logits[2:])
    with pytest.raises(ValueError, match="class-conditional"):
        discriminator(images)


def test_the_registered_model_pairs_fastgan_with_the_projected_d():
    spec = MODELS["projected"]
    assert spec.default_loss == "hinge" and spec.conditional
    assert spec.resolutions == (32, 64, 128, 256, 512)


@pytest.mark.parametrize(("resolution", "width"), [(32, 8), (64, 16), (256, 16)])
def test_an_auto_g_width_is_settled_by_the_training_resolution(resolution, width):
    from ganforge.config import load_config
    from ganforge.models.fastgan import FastGANGenerator

    config = load_config("projected-folder-64", {"data.path": "builtin:digits", "model.g.width": "auto"})
    assert config.model.g.width == "auto"  # kept as written: the checkpoint rebuilds it at its resolution
    generator = MODELS["projected"].build_generator(config.model, resolution, 1)
    assert sum(p.numel() for p in generator.parameters()) == sum(
        p.numel() for p in FastGANGenerator(config.model.z_dim, width, resolution, 1).parameters()
    )


def test_models_without_an_auto_g_width_refuse_it():
    from ganforge.config import load_config

    with pytest.raises(UserError, match="model.g.width: auto is known for model projected only, not 'dcgan'"):
        load_config("dcgan-folder-64", {"data.path": "builtin:digits", "model.g.width": "auto"})
    with pytest.raises(UserError, match=r"model.g.width: a whole number of at least 1, or auto \(got 0\)"):
        load_config("dcgan-folder-64", {"data.path": "builtin:digits", "model.g.width": 0})


def test_a_dry_run_says_which_width_auto_gave(tmp_path, capsys):
    from ganforge.config import load_config
    from ganforge.training.loop import train

    config = load_config("projected-folder-64", {"data.path": "builtin:digits", "train.batch_size": 4})
    train(config, tmp_path / "run", dry_run=True)
    assert "model: projected  G width 8 (auto at 32 px)" in capsys.readouterr().out
