"""FID Inception conformance (METRICS.md §7): same features as pytorch-fid and torch-fidelity.

All comparisons use calibrated random weights (`inception_weights`), and each first asserts
that the features vary across images, so that agreement is not vacuous.
"""

from __future__ import annotations

import hashlib

import pytest
import torch
from torch import Tensor

from ganforge.errors import UserError
from ganforge.metrics.features import FEATURES, build_features
from ganforge.metrics.features.calibration import feature_variation_ok, varied_images
from ganforge.metrics.features.inception import build_fid_inception, inception_features, load_fid_inception

TOLERANCE = 1e-5
IMAGES = varied_images(4, 32, seed=3)  # [4,3,32,32] uint8
WIDE_IMAGES = varied_images(2, 40, seed=4)[:, :, :24, :].contiguous()  # [2,3,24,40]: non-square


def max_relative_difference(actual: Tensor, expected: Tensor) -> float:
    """max over images of max_j |actual - expected| / max_j |expected| (per-image scale)."""
    assert actual.shape == expected.shape
    scale = expected.abs().amax(dim=1).clamp_min(1e-12)
    return ((actual - expected).abs().amax(dim=1) / scale).max().item()


def assert_varied(features: dict[str, Tensor]) -> None:
    for layer, values in features.items():
        assert feature_variation_ok(values), f"{layer} features barely vary: comparison would be vacuous"


@pytest.fixture(scope="module")
def extractors(inception_weights):
    """ganforge extractors keyed by (resize mode, optimised)."""
    return {
        ("tf1", True): inception_features(inception_weights),
        ("tf1", False): inception_features(inception_weights, optimise=False),
        ("pytorch-fid", True): inception_features(inception_weights, resize="pytorch-fid"),
    }


@pytest.fixture(scope="module")
def ours(extractors):
    """Features of IMAGES and WIDE_IMAGES from each ganforge extractor."""
    return {key: (extractor(IMAGES), extractor(WIDE_IMAGES)) for key, extractor in extractors.items()}


@pytest.fixture(scope="module")
def torch_fidelity_features(inception_weights):
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    oracle = FeatureExtractorInceptionV3(
        "inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=str(inception_weights)
    )
    with torch.no_grad():
        return [dict(zip(("pool3", "logits_unbiased"), oracle(images))) for images in (IMAGES, WIDE_IMAGES)]


@pytest.fixture(scope="module")
def pytorch_fid_features(inception_weights):
    import pytorch_fid.inception

    with pytest.MonkeyPatch.context() as patch:  # its only weight source is a download: serve our file
        patch.setattr(
            pytorch_fid.inception,
            "load_state_dict_from_url",
            lambda *args, **kwargs: torch.load(inception_weights, weights_only=True),
        )
        oracle = pytorch_fid.inception.InceptionV3([3]).eval()
    with torch.no_grad():  # pytorch-fid's loader feeds images as float in [0,1]
        return [oracle(images.float() / 255)[0].flatten(1) for images in (IMAGES, WIDE_IMAGES)]


def test_calibrated_features_vary_and_constant_ones_do_not(ours):
    square, wide = ours[("tf1", False)]
    assert_varied(square)
    assert_varied(wide)
    assert square["pool3"].shape == (4, 2048) and square["logits_unbiased"].shape == (4, 1008)
    assert square["pool3"].dtype == torch.float32
    constant = torch.full((5, 8), 3.0)
    assert not feature_variation_ok(constant)
    assert not feature_variation_ok(constant + 1e-4 * torch.randn(5, 8))
    assert feature_variation_ok(constant + torch.randn(5, 8))


def test_tf1_mode_matches_torch_fidelity(ours, torch_fidelity_features):
    for optimised in (True, False):
        for features, expected in zip(ours[("tf1", optimised)], torch_fidelity_features):
            assert_varied(expected)
            for layer in ("pool3", "logits_unbiased"):
                assert max_relative_difference(features[layer], expected[layer]) <= TOLERANCE, (layer, optimised)


def test_pytorch_fid_mode_matches_pytorch_fid(ours, pytorch_fid_features):
    for features, expected in zip(ours[("pytorch-fid", True)], pytorch_fid_features):
        assert feature_variation_ok(expected)
        assert max_relative_difference(features["pool3"], expected) <= TOLERANCE


def test_resize_modes_give_different_features(ours):
    """The mode matters (hence recorded): tf1 and pytorch-fid resizes differ far beyond tolerance."""
    tf1, pytorch_fid = ours[("tf1", True)][0]["pool3"], ours[("pytorch-fid", True)][0]["pool3"]
    assert max_relative_difference(tf1, pytorch_fid) > 100 * TOLERANCE


def test_optimised_matches_plain(ours):
    for fast, plain in zip(ours[("tf1", True)], ours[("tf1", False)]):
        assert_varied(plain)
        for layer in ("pool3", "logits_unbiased"):
            assert max_relative_difference(fast[layer], plain[layer]) <= TOLERANCE


def test_batch_size_one_matches_batched(extractors, ours):
    one_at_a_time = extractors[("tf1", True)]
    batched = ours[("tf1", True)][0]
    usual_batch_size, one_at_a_time.batch_size = one_at_a_time.batch_size, 1
    try:
        single = one_at_a_time(IMAGES)
    finally:
        one_at_a_time.batch_size = usual_batch_size
    assert_varied(batched)
    for layer in ("pool3", "logits_unbiased"):
        assert max_relative_difference(single[layer], batched[layer]) <= TOLERANCE


def test_logits_have_no_bias(extractors, ours, inception_weights):
    """logits_unbiased = pool3 @ fc.weight.T: the fc bias (non-zero here) is left out."""
    state = torch.load(inception_weights, weights_only=True)
    assert state["fc.bias"].abs().max() > 0
    features = ours[("tf1", False)][0]
    expected = features["pool3"].double() @ state["fc.weight"].double().T
    assert max_relative_difference(features["logits_unbiased"].double(), expected) <= TOLERANCE


def test_protocol_records_weights_hash_and_resize(extractors, inception_weights):
    extractor = extractors[("pytorch-fid", True)]
    assert extractor.protocol() == {
        "features": "inception-v3-fid",
        "weights_sha256": hashlib.sha256(inception_weights.read_bytes()).hexdigest(),
        "resize": "pytorch-fid",
        "layers": ["pool3", "logits_unbiased"],
    }
    assert extractor.is_imagenet
    assert not extractor.training


def test_state_dict_names_match_pytorch_fid_and_torch_fidelity(inception_weights):
    import pytorch_fid.inception
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    ours = build_fid_inception().state_dict()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pytorch_fid.inception, "load_state_dict_from_url", lambda *args, **kwargs: dict(ours))
        pytorch_fid_network = pytorch_fid.inception.fid_inception_v3()
    torch_fidelity_network = FeatureExtractorInceptionV3(
        "inception-v3-compat", ["2048"], feature_extractor_weights_path=str(inception_weights)
    )
    for reference in (pytorch_fid_network.state_dict(), torch_fidelity_network.state_dict()):
        assert {name: tuple(value.shape) for name, value in reference.items()} == {
            name: tuple(value.shape) for name, value in ours.items()
        }
    bn_eps = {module.eps for module in build_fid_inception().modules() if isinstance(module, torch.nn.BatchNorm2d)}
    assert bn_eps == {1e-3}


def test_registered_and_built_by_name(inception_weights):
    assert FEATURES["inception"] is inception_features
    extractor = build_features("inception", weights=str(inception_weights), resize="clean")
    assert extractor.protocol()["resize"] == "clean"
    with pytest.raises(UserError, match="--resize bicubic.*tf1, pytorch-fid, clean"):
        build_features("inception", weights=str(inception_weights), resize="bicubic")


def test_weights_that_do_not_fit_are_a_user_error(inception_weights, tmp_path):
    state = torch.load(inception_weights, weights_only=True)
    renamed = tmp_path / "renamed.pth"
    torch.save({name.replace("Mixed_7c", "Mixed_7x"): value for name, value in state.items()}, renamed)
    reshaped = tmp_path / "reshaped.pth"
    torch.save({**state, "fc.weight": state["fc.weight"][:1000]}, reshaped)
    for path in (renamed, reshaped):
        with pytest.raises(UserError, match=f"{path.name}: not FID Inception-v3 weights") as error:
            load_fid_inception(path)
        assert "\n" not in str(error.value)


@pytest.mark.slow
def test_batch_size_one_matches_64_and_clean_mode_varies(inception_weights):
    images = varied_images(64, 32, seed=7)
    extractor = inception_features(inception_weights, batch_size=64)
    batched = extractor(images)
    extractor.batch_size = 1
    single = extractor(images[:8])
    assert_varied(batched)
    for layer in ("pool3", "logits_unbiased"):
        assert max_relative_difference(single[layer], batched[layer][:8]) <= TOLERANCE
    assert_varied(inception_features(inception_weights, resize="clean")(images[:8]))
