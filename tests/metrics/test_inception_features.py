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
from ganforge.metrics.features.inception import (
    build_fid_inception,
    fid_trunk,
    inception_features,
    load_fid_inception,
)
from ganforge.metrics.features.inception_fast import memory_format_for
from ganforge.metrics.resize import tf1_input
from inception_calibration import feature_variation_ok, varied_images

TOLERANCE = 1e-5
IMAGES = varied_images(3, 32, seed=3)  # [3,3,32,32] uint8
WIDE_IMAGES = varied_images(2, 40, seed=4)[:, :, :24, :].contiguous()  # [2,3,24,40]: non-square


def max_relative_difference(actual: Tensor, expected: Tensor) -> float:
    """max |actual - expected| / max |expected| over the whole feature tensor.

    Relative to the features' overall scale, not per image: an image whose features are
    50× smaller than its neighbours' sits below float32's own noise floor there (the plain
    fp32 network already differs from a float64 one by ~4e-5 relative on such an image).
    """
    assert actual.shape == expected.shape
    return ((actual - expected).abs().max() / expected.abs().max()).item()


def assert_varied(features: dict[str, Tensor]) -> None:
    for layer, values in features.items():
        assert feature_variation_ok(values), f"{layer} features barely vary: comparison would be vacuous"


@pytest.fixture(scope="module")
def extractors(inception_weights):
    """ganforge extractors by name: optimised tf1 (the default), plain tf1, optimised pytorch-fid."""
    return {
        "tf1": inception_features(inception_weights),
        "tf1-plain": inception_features(inception_weights, optimise=False),
        "pytorch-fid": inception_features(inception_weights, resize="pytorch-fid"),
    }


@pytest.fixture(scope="module")
def ours(extractors):
    """ganforge features of IMAGES (the first two for pytorch-fid mode)."""
    return {
        "tf1": extractors["tf1"](IMAGES),
        "tf1-plain": extractors["tf1-plain"](IMAGES),
        "pytorch-fid": extractors["pytorch-fid"](IMAGES[:2]),
    }


@pytest.fixture(scope="module")
def torch_fidelity_oracle(inception_weights):
    """torch-fidelity's extractor; it loads our weights file strictly, so names and shapes match."""
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    return FeatureExtractorInceptionV3(
        "inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=str(inception_weights)
    )


def torch_fidelity_features_of(oracle, images: Tensor) -> dict[str, Tensor]:
    with torch.no_grad():
        return dict(zip(("pool3", "logits_unbiased"), oracle(images), strict=True))


@pytest.fixture(scope="module")
def torch_fidelity_features(torch_fidelity_oracle):
    return torch_fidelity_features_of(torch_fidelity_oracle, IMAGES)


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
        return oracle(IMAGES[:2].float() / 255)[0].flatten(1)


def test_calibrated_features_vary_and_constant_ones_do_not(ours):
    assert_varied(ours["tf1-plain"])
    assert ours["tf1"]["pool3"].shape == (3, 2048) and ours["tf1"]["logits_unbiased"].shape == (3, 1008)
    assert ours["tf1"]["pool3"].dtype == ours["tf1"]["logits_unbiased"].dtype == torch.float32
    constant = torch.full((5, 8), 3.0)
    assert not feature_variation_ok(constant)
    assert not feature_variation_ok(constant + 1e-4 * torch.randn(5, 8))
    assert feature_variation_ok(constant + torch.randn(5, 8))


def test_tf1_mode_matches_torch_fidelity(ours, torch_fidelity_features):
    assert_varied(torch_fidelity_features)
    for layer in ("pool3", "logits_unbiased"):
        assert max_relative_difference(ours["tf1"][layer], torch_fidelity_features[layer]) <= TOLERANCE, layer


def test_plain_network_is_bit_identical_to_torch_fidelity(ours, torch_fidelity_features):
    """Same layers, same operation order: without the speed rewrites nothing changes at all."""
    for layer in ("pool3", "logits_unbiased"):
        assert torch.equal(ours["tf1-plain"][layer], torch_fidelity_features[layer])


def test_pytorch_fid_mode_matches_pytorch_fid(ours, pytorch_fid_features):
    assert feature_variation_ok(pytorch_fid_features)
    assert max_relative_difference(ours["pytorch-fid"]["pool3"], pytorch_fid_features) <= TOLERANCE


def test_resize_modes_give_different_features(ours):
    """The mode matters (hence recorded): tf1 and pytorch-fid resizes differ far beyond tolerance."""
    assert max_relative_difference(ours["tf1"]["pool3"][:2], ours["pytorch-fid"]["pool3"]) > 100 * TOLERANCE


def test_optimised_matches_plain(ours):
    assert_varied(ours["tf1-plain"])
    for layer in ("pool3", "logits_unbiased"):
        assert max_relative_difference(ours["tf1"][layer], ours["tf1-plain"][layer]) <= TOLERANCE


def test_rewrites_add_no_more_error_than_float32_itself(extractors, inception_weights):
    """Against a float64 evaluation, the optimised trunk errs no more than 2× the plain fp32 one.

    The hard case: images like the calibration ones, whose features are all of typical size
    (~1). There float32 rounding alone puts the plain network ~4e-5 (relative) off float64,
    so 1e-5 agreement between two fp32 programs is only meaningful at the scale of larger
    features; closeness to the exact result is what "exact rewrite" means.
    """
    images = varied_images(2, 32, seed=1)
    with torch.no_grad():
        exact = fid_trunk(load_fid_inception(inception_weights)[0].double())(tf1_input(images).double())
    plain_error = (extractors["tf1-plain"](images)["pool3"].double() - exact).abs().max()
    optimised_error = (extractors["tf1"](images)["pool3"].double() - exact).abs().max()
    assert 0 < plain_error < 1e-3 * exact.abs().max()
    assert optimised_error <= 2 * plain_error


def test_batch_size_one_matches_batched(extractors, ours):
    one_at_a_time = extractors["tf1"]
    usual_batch_size, one_at_a_time.batch_size = one_at_a_time.batch_size, 1
    try:
        single = one_at_a_time(IMAGES[:2])
    finally:
        one_at_a_time.batch_size = usual_batch_size
    assert_varied(ours["tf1"])
    for layer in ("pool3", "logits_unbiased"):
        assert max_relative_difference(single[layer], ours["tf1"][layer][:2]) <= TOLERANCE


def test_logits_have_no_bias(extractors, ours, inception_weights):
    """logits_unbiased = pool3 @ fc.weight.T: the fc bias (non-zero here) is left out."""
    state = torch.load(inception_weights, weights_only=True)
    assert state["fc.bias"].abs().max() > 0
    features = ours["tf1-plain"]
    expected = features["pool3"].double() @ state["fc.weight"].double().T
    assert max_relative_difference(features["logits_unbiased"].double(), expected) <= TOLERANCE


def test_protocol_records_weights_hash_and_resize(extractors, inception_weights):
    extractor = extractors["pytorch-fid"]
    assert extractor.protocol() == {
        "features": "inception-v3-fid",
        "weights_sha256": hashlib.sha256(inception_weights.read_bytes()).hexdigest(),
        "weights_source": {"kind": "file", "given_by": "--weights", "known_as": None},
        "resize": "pytorch-fid",
        "layers": ["pool3", "logits_unbiased"],
    }
    assert extractor.is_imagenet
    assert not extractor.training


def test_empty_input_and_layout_per_device(extractors):
    empty = extractors["tf1"](torch.zeros(0, 3, 32, 32, dtype=torch.uint8))
    assert empty["pool3"].shape == (0, 2048) and empty["logits_unbiased"].shape == (0, 1008)
    assert memory_format_for(torch.device("cpu")) == torch.channels_last
    assert memory_format_for(torch.device("cuda")) == torch.contiguous_format  # cuDNN fp32 NCHW is faster


def test_state_dict_names_match_pytorch_fid_and_torch_fidelity(torch_fidelity_oracle):
    import pytorch_fid.inception

    ours = build_fid_inception().state_dict()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pytorch_fid.inception, "load_state_dict_from_url", lambda *args, **kwargs: dict(ours))
        pytorch_fid_network = pytorch_fid.inception.fid_inception_v3()
    for reference in (pytorch_fid_network.state_dict(), torch_fidelity_oracle.state_dict()):
        assert {name: tuple(value.shape) for name, value in reference.items()} == {
            name: tuple(value.shape) for name, value in ours.items()
        }
    bn_eps = {module.eps for module in build_fid_inception().modules() if isinstance(module, torch.nn.BatchNorm2d)}
    assert bn_eps == {1e-3}


def test_registered_and_bad_resize_rejected_before_loading(tmp_path):
    assert FEATURES["inception"] is inception_features
    absent = str(tmp_path / "absent.pth")  # the mode is checked first: no weights error, no download
    with pytest.raises(UserError, match="--resize bicubic.*tf1, pytorch-fid, clean"):
        build_features("inception", weights=absent, resize="bicubic")


def test_weights_that_do_not_fit_are_a_user_error(tmp_path):
    renamed = tmp_path / "renamed.pth"
    torch.save({"Mixed_7x.branch1x1.conv.weight": torch.zeros(320, 2048, 1, 1)}, renamed)
    reshaped = tmp_path / "reshaped.pth"
    torch.save({"fc.weight": torch.zeros(1000, 2048)}, reshaped)
    expected = {renamed: "tensors missing, 1 unexpected", reshaped: "size mismatch for fc.weight"}
    for path, problem in expected.items():
        with pytest.raises(UserError, match=f"{path.name}: not FID Inception-v3 weights .*{problem}") as error:
            load_fid_inception(path)
        assert "\n" not in str(error.value) and len(str(error.value)) < 400


@pytest.mark.slow
def test_non_square_batch_size_one_vs_64_and_clean_mode(inception_weights, torch_fidelity_oracle):
    """Heavier extras; `make test` covers square images, batch 1 vs 3, and clean resizing bit for bit."""
    extractor = inception_features(inception_weights, batch_size=64)
    expected = torch_fidelity_features_of(torch_fidelity_oracle, WIDE_IMAGES)
    assert_varied(expected)
    wide = extractor(WIDE_IMAGES)
    for layer in ("pool3", "logits_unbiased"):
        assert max_relative_difference(wide[layer], expected[layer]) <= TOLERANCE

    images = varied_images(64, 32, seed=7)
    batched = extractor(images)
    extractor.batch_size = 1
    single = extractor(images[:8])
    assert_varied(batched)
    for layer in ("pool3", "logits_unbiased"):
        assert max_relative_difference(single[layer], batched[layer][:8]) <= TOLERANCE
    assert_varied(inception_features(inception_weights, resize="clean")(images[:8]))
