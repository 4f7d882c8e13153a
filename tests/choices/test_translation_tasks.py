"""The network geometry the translation tasks' config checks use is the networks' own."""

import pytest
import torch

from ganforge.choices.translation_tasks import (
    RESNET_BLOCKS,
    RESNET_FIXED_LAYERS,
    most_layers,
    output_side,
    side_channels,
)
from ganforge.config import load_config
from ganforge.models.patchgan import PatchDiscriminator
from ganforge.models.resnet_translator import ResnetGenerator


@pytest.mark.parametrize(("resolution", "layers"), [(32, 1), (32, 3), (64, 3), (64, 4), (256, 3)])
def test_output_side_is_the_patch_discriminators_logit_map(resolution, layers):
    logits = PatchDiscriminator(3, width=4, n_layers=layers)(torch.zeros(1, 3, resolution, resolution))
    assert logits.shape[-1] == output_side(resolution, layers)
    assert output_side(resolution, most_layers(resolution)) >= 1 > output_side(resolution, most_layers(resolution) + 1)


@pytest.mark.parametrize("generator", sorted(RESNET_BLOCKS))
def test_the_resnet_layer_count_is_the_translators(generator):
    network = ResnetGenerator(3, 3, blocks=RESNET_BLOCKS[generator], width=4)
    assert len(network.model) == RESNET_FIXED_LAYERS + RESNET_BLOCKS[generator]


def test_side_channels_follow_the_direction():
    config = load_config("colorize-shapes")
    assert side_channels(config) == (1, 3)
    assert side_channels(load_config("colorize-shapes", ["translation.direction=BtoA"])) == (3, 1)
