"""Conformance on the real FID Inception (installed by `make weights`; skipped when absent).

End to end from PNG folders of built-in digits (32 px, grayscale) and shapes (64 px, RGB):
`--resize tf1` against torch-fidelity, `--resize pytorch-fid` against pytorch-fid, and
`--resize clean` against clean-fid running the TorchScript network our weights were
converted from (an oracle that shares neither our conversion nor our code).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from eval_helpers import relative_difference, write_pngs

from ganforge.cli import main
from ganforge.data import open_source
from ganforge.data.decode import to_rgb_uint8
from ganforge.metrics.features.inception import inception_features
from ganforge.metrics.weights import CONVERTED_SHA256, load_state_dict_file
from inception_calibration import feature_variation_ok

N = 16  # images per side
KID_SUBSETS, KID_SUBSET_SIZE = 10, N // 2  # subsets smaller than N: the std is not just rounding
DATASETS = {"digits": "builtin:digits", "shapes64": "builtin:shapes64"}


def builtin_images(spec: str, indices) -> torch.Tensor:
    source = open_source(spec)
    return torch.stack([torch.from_numpy(to_rgb_uint8(source.image(i))) for i in indices])


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, tuple]:
    """name -> (fake folder, real folder): disjoint images of each built-in data set as PNGs."""
    root = tmp_path_factory.mktemp("real-weights")
    made = {}
    for name, spec in DATASETS.items():
        fake = builtin_images(spec, range(0, 2 * N, 2))
        real = builtin_images(spec, range(1, 2 * N, 2))
        made[name] = (write_pngs(root / f"{name}-fake", fake), write_pngs(root / f"{name}-real", real))
    return made


@pytest.fixture(scope="module")
def oracle_weights(real_inception, tmp_path_factory):
    """The installed weights as a .pth the oracles load strictly: a zero classifier is added
    (pool3, all that FID and KID read, does not depend on it)."""
    state = load_state_dict_file(real_inception.path)
    state["fc.weight"], state["fc.bias"] = torch.zeros(1008, 2048), torch.zeros(1008)
    path = tmp_path_factory.mktemp("oracle") / "inception-with-zero-fc.pth"
    torch.save(state, path)
    return path


def ganforge_eval(fake, real, weights, resize: str, metrics: str = "fid", *extra) -> dict:
    args = ["eval", "--fake", fake, "--real", real, "--weights", weights, "--resize", resize,
            "--metrics", metrics, "--device", "cpu", "--no-cache", "--json", "-", *extra]  # fmt: skip
    return args


def run_json(args, capsys) -> dict:
    capsys.readouterr()
    assert main([str(arg) for arg in args]) == 0
    return json.loads(capsys.readouterr().out)


def test_installed_weights_are_the_pinned_conversion(real_inception):
    assert real_inception.sha256 == CONVERTED_SHA256
    assert real_inception.source["kind"] in {"package-index", "canonical-url"}


@pytest.mark.parametrize("name", list(DATASETS))
def test_tf1_fid_and_kid_equal_torch_fidelity(name, folders, real_inception, oracle_weights, capsys):
    from torch_fidelity import calculate_metrics

    fake, real = folders[name]
    ours = run_json(ganforge_eval(fake, real, real_inception.path, "tf1", "fid,kid",
                                  "--kid-subsets", KID_SUBSETS, "--kid-subset-size", KID_SUBSET_SIZE), capsys)  # fmt: skip
    theirs = calculate_metrics(input1=str(fake), input2=str(real), fid=True, kid=True,
                               kid_subsets=KID_SUBSETS, kid_subset_size=KID_SUBSET_SIZE,
                               feature_extractor_weights_path=str(oracle_weights), cuda=False,
                               save_cpu_ram=True, cache=False, verbose=False)  # fmt: skip
    assert relative_difference(ours["fid"], theirs["frechet_inception_distance"]) <= 1e-5
    assert relative_difference(ours["kid_mean"], theirs["kernel_inception_distance_mean"]) <= 1e-4
    assert relative_difference(ours["kid_std"], theirs["kernel_inception_distance_std"]) <= 1e-4
    assert ours["protocol"]["weights_sha256"] == real_inception.sha256
    assert ours["protocol"]["weights_source"]["kind"] == "file"


@pytest.mark.parametrize("name", list(DATASETS))
def test_pytorch_fid_mode_equals_pytorch_fid(name, folders, real_inception, oracle_weights, capsys, monkeypatch):
    import pytorch_fid.inception
    from pytorch_fid.fid_score import calculate_fid_given_paths

    fake, real = folders[name]
    ours = run_json(ganforge_eval(fake, real, real_inception.path, "pytorch-fid"), capsys)
    monkeypatch.setattr(pytorch_fid.inception, "load_state_dict_from_url",
                        lambda *args, **kwargs: torch.load(oracle_weights, weights_only=True))  # fmt: skip
    theirs = calculate_fid_given_paths([str(fake), str(real)], batch_size=N, device="cpu", dims=2048, num_workers=0)
    assert relative_difference(ours["fid"], theirs) <= 1e-5


@pytest.mark.parametrize("name", list(DATASETS))
def test_clean_mode_equals_clean_fid_on_the_torchscript(name, folders, real_inception, real_torchscript, capsys):
    from cleanfid import fid as clean_fid

    def torchscript_features(images: torch.Tensor) -> torch.Tensor:
        return real_torchscript((images - 128) / 128)  # clean-fid's InceptionV3W normalisation

    fake, real = folders[name]
    ours = run_json(ganforge_eval(fake, real, real_inception.path, "clean"), capsys)
    theirs = clean_fid.compute_fid(str(fake), str(real), mode="clean", custom_feat_extractor=torchscript_features,
                                   num_workers=0, batch_size=N, device=torch.device("cpu"), verbose=False)  # fmt: skip
    assert relative_difference(ours["fid"], theirs) <= 1e-5


@pytest.fixture(scope="module")
def mixed_images() -> torch.Tensor:
    return torch.cat([builtin_images("builtin:digits", range(3)), builtin_images("builtin:shapes", range(3))])


def test_features_vary_and_are_batch_size_invariant(real_inception, mixed_images):
    one = inception_features(real_inception.path, batch_size=1)(mixed_images)["pool3"]
    many = inception_features(real_inception.path, batch_size=16)(mixed_images)["pool3"]
    assert feature_variation_ok(one)
    assert float((one - many).abs().max() / many.abs().max()) <= 1e-5


def test_fast_path_matches_the_plain_network(real_inception, mixed_images):
    fast = inception_features(real_inception.path)(mixed_images)["pool3"].double()
    plain = inception_features(real_inception.path, optimise=False)(mixed_images)["pool3"].double()
    assert float((fast - plain).abs().max() / plain.abs().max()) <= 1e-5


def test_converted_network_reproduces_the_torchscript(real_inception, real_torchscript, mixed_images):
    from ganforge.metrics.features.inception_convert import relative_feature_error

    state = load_state_dict_file(real_inception.path)
    assert relative_feature_error(real_torchscript, state, mixed_images) <= 1e-5


def test_eval_without_weights_flag_uses_the_installed_weights(folders, real_inception, installed_home, capsys,
                                                               monkeypatch):  # fmt: skip
    monkeypatch.setenv("GANFORGE_HOME", str(installed_home))  # read only: --no-cache writes nothing
    fake, real = folders["digits"]
    args = ["eval", "--fake", fake, "--real", real, "--device", "cpu", "--no-cache", "--n", 4, "--json", "-"]
    result = run_json(args, capsys)
    assert result["protocol"]["weights_sha256"] == real_inception.sha256
    assert result["protocol"]["weights_source"] == real_inception.source
    assert np.isfinite(result["fid"])
