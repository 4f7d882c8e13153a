"""The backbone registry, and EfficientNet-Lite0 as a backbone (with its real weights)."""

import numpy as np
import pytest
import torch

from ganforge.curation.backbones import BACKBONES, build_backbone, register_backbone
from ganforge.curation.subject import subject_share
from ganforge.data import open_source, to_rgb_uint8
from ganforge.errors import UserError


def test_registry_names_and_refusals():
    assert {"inception", "efficientnet-lite0"} <= set(BACKBONES)
    with pytest.raises(UserError, match="--features resnet: unknown; allowed: efficientnet-lite0, inception"):
        build_backbone("resnet")
    with pytest.raises(ValueError, match="already registered"):
        register_backbone("inception")(lambda **kw: None)


def test_efficientnet_embeds_and_sees_large_shapes_larger(real_efficientnet):
    backbone = build_backbone("efficientnet-lite0", weights=str(real_efficientnet))
    shapes = open_source("builtin:shapes")
    indices = range(16)
    images = torch.from_numpy(np.stack([to_rgb_uint8(shapes.image(i)) for i in indices]))
    described = backbone.describe(images)
    assert described.embedding.shape == (16, 1280) and described.saliency.shape == (16, 56, 56)
    again = backbone.describe(images[:4])
    assert torch.allclose(again.embedding, described.embedding[:4], atol=1e-4)  # batch size does not matter
    share = subject_share(described.saliency.numpy())
    large = np.array([shapes.attributes[i]["size"] == "large" for i in indices])
    assert share[large].min() > np.median(share[~large])
    assert backbone.protocol()["weights_sha256"].startswith("57934424")
