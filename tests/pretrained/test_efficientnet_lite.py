"""Our timm build of EfficientNet-Lite0 against the reference implementation it was made for."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from ganforge.metrics.weights_install import verification_images
from ganforge.pretrained.efficientnet_lite import (
    FEATURE_CHANNELS,
    efficientnet_lite0,
    feature_stages,
    stage_features,
    timm_key,
)

reference = pytest.importorskip("efficientnet_lite_pytorch", reason="the reference is a dev dependency")


def test_every_reference_key_maps_to_one_timm_key_of_the_same_shape():
    import timm

    ours = timm.create_model("tf_efficientnet_lite0", pretrained=False).state_dict()
    theirs = reference.EfficientNet.from_name("efficientnet-lite0").state_dict()
    mapped = {timm_key(key): value.shape for key, value in theirs.items()}
    assert len(mapped) == len(theirs) == len(ours) == 296
    assert mapped == {key: value.shape for key, value in ours.items()}


def _as_imagenet_input(images: torch.Tensor, side: int = 224) -> torch.Tensor:
    """uint8 [N,3,H,W] -> float [-1, 1] at side x side (bilinear, antialiased)."""
    scaled = images.float() / 127.5 - 1
    return F.interpolate(scaled, size=(side, side), mode="bilinear", antialias=True, align_corners=False)


def test_logits_equal_the_reference_on_builtin_images(real_efficientnet):
    ours = efficientnet_lite0(real_efficientnet)
    theirs = reference.EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(real_efficientnet)).eval()
    images = _as_imagenet_input(verification_images(per_source=3))
    with torch.no_grad():
        our_logits, their_logits = ours(images), theirs(images)
    relative = (our_logits - their_logits).abs().max() / their_logits.abs().max()
    assert relative <= 1e-5
    assert torch.equal(our_logits.argmax(1), their_logits.argmax(1))
    assert our_logits.std(0).mean() > 0.1  # the images give different logits: the comparison is not vacuous


CAT_CLASSES = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
ESPRESSO = 967


@pytest.mark.parametrize("side", [224, 192, 256])
def test_top1_of_a_cat_and_an_espresso_at_several_sizes(real_efficientnet, side):
    data = pytest.importorskip("skimage.data")
    network = efficientnet_lite0(real_efficientnet)
    photos = [data.chelsea()[:, 50:350], data.coffee()[:, 100:500]]  # square crops, [H, W, 3] uint8
    inputs = torch.cat([_as_imagenet_input(torch.from_numpy(p).permute(2, 0, 1)[None], side) for p in photos])
    with torch.no_grad():
        top1 = network(inputs).argmax(1).tolist()
    assert top1[0] in CAT_CLASSES and top1[1] == ESPRESSO


def test_four_feature_scales_with_their_channels(real_efficientnet):
    stages = feature_stages(efficientnet_lite0(real_efficientnet))
    features = stage_features(stages, torch.zeros(2, 3, 64, 64))
    assert [f.shape[1] for f in features] == list(FEATURE_CHANNELS)
    assert [f.shape[-1] for f in features] == [16, 8, 4, 2]
