"""Acceptance: `ganforge eval` with calibrated Inception weights reproduces torch-fidelity 0.4.

One extraction per side is shared by the module: the first `eval` fills the reference cache,
later commands must read it (the extractor's image count proves it).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from eval_helpers import assert_one_line_error, relative_difference

from ganforge.cli import main
from ganforge.metrics import evaluate as evaluate_module
from ganforge.metrics import reference as reference_module
from ganforge.metrics.features import build_features
from ganforge.metrics.weights import sha256_of_file
from inception_calibration import feature_variation_ok

KID_SUBSETS, KID_SUBSET_SIZE = 10, 5


class CountingBuilder:
    """Builds the Inception extractor once, counts the images it processes, keeps their pool3."""

    def __init__(self, home) -> None:
        self.home = home
        self.extractor = None
        self.images_seen = 0
        self.pool3: list[torch.Tensor] = []

    def __call__(self, spec, *, weights=None, resize="tf1", device="cpu"):
        if self.extractor is None:
            self.extractor = build_features(spec, weights=weights, resize=resize, device=device)
            self.extractor.register_forward_hook(self._count)
        assert self.extractor.protocol()["resize"] == resize
        return self.extractor

    def _count(self, module, inputs, outputs) -> None:
        self.images_seen += len(inputs[0])
        self.pool3.append(outputs["pool3"])


@pytest.fixture(scope="module")
def session(tmp_path_factory, image_folders, inception_weights):
    """A private GANFORGE_HOME and the counting extractor, patched in for the whole module."""
    builder = CountingBuilder(tmp_path_factory.mktemp("home"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANFORGE_HOME", str(builder.home))
        patch.setattr(evaluate_module, "build_features", builder)
        patch.setattr(reference_module, "build_features", builder)
        yield builder


@pytest.fixture(autouse=True)
def same_home(session, monkeypatch):
    """Every test of the module sees the cache the first evaluation filled."""
    monkeypatch.setenv("GANFORGE_HOME", str(session.home))


def eval_args(fake, real, weights, *extra):
    return [
        "eval",
        "--fake",
        str(fake),
        "--real",
        str(real),
        "--weights",
        str(weights),
        "--resize",
        "tf1",
        "--device",
        "cpu",
        *map(str, extra),
    ]


@pytest.fixture(scope="module")
def first_eval(session, image_folders, inception_weights, tmp_path_factory):
    fake, real = image_folders
    out = tmp_path_factory.mktemp("out") / "out.json"
    code = main(
        eval_args(
            fake,
            real,
            inception_weights,
            "--metrics",
            "fid,kid",
            "--kid-subsets",
            KID_SUBSETS,
            "--kid-subset-size",
            KID_SUBSET_SIZE,
            "--json",
            out,
        )
    )
    assert code == 0
    return json.loads(out.read_text()), session.images_seen


@pytest.fixture(scope="module")
def torch_fidelity_result(image_folders, inception_weights):
    from torch_fidelity import calculate_metrics

    fake, real = image_folders
    return calculate_metrics(
        input1=str(fake),
        input2=str(real),
        fid=True,
        kid=True,
        kid_subsets=KID_SUBSETS,
        kid_subset_size=KID_SUBSET_SIZE,
        feature_extractor_weights_path=str(inception_weights),
        cuda=False,
        save_cpu_ram=True,
        cache=False,
        verbose=False,
    )


def test_fid_and_kid_equal_torch_fidelity(first_eval, torch_fidelity_result):
    result, images_seen = first_eval
    assert images_seen == 8 + 10
    assert set(result) == {"fid", "kid_mean", "kid_std", "protocol"}
    assert (
        relative_difference(result["fid"], torch_fidelity_result["frechet_inception_distance"])
        < 1e-5
    )
    assert (
        relative_difference(
            result["kid_mean"], torch_fidelity_result["kernel_inception_distance_mean"]
        )
        < 1e-4
    )
    assert (
        relative_difference(
            result["kid_std"], torch_fidelity_result["kernel_inception_distance_std"]
        )
        < 1e-4
    )


def test_calibrated_features_vary_across_images(first_eval, session):
    features = torch.cat(session.pool3)
    assert features.shape == (18, 2048) and feature_variation_ok(features)


def test_protocol_records_how_the_numbers_were_made(first_eval, inception_weights):
    protocol = first_eval[0]["protocol"]
    assert (protocol["n_fake"], protocol["n_real"]) == (8, 10)
    assert protocol["resize"] == "tf1" and protocol["features"]["features"] == "inception-v3-fid"
    assert protocol["weights_sha256"] == sha256_of_file(inception_weights)
    assert (protocol["kid_subsets"], protocol["kid_subset_size"]) == (KID_SUBSETS, KID_SUBSET_SIZE)
    assert protocol["seeds"]["kid"] == 2020 and protocol["device"] == "cpu"


def test_second_eval_reads_the_real_features_from_the_cache(
    first_eval, session, image_folders, inception_weights, capsys
):
    fake, real = image_folders
    before = session.images_seen
    # KID alone: it needs the real features themselves (an FID would only add a 2048-d eig).
    code = main(
        eval_args(
            fake,
            real,
            inception_weights,
            "--metrics",
            "kid",
            "--kid-subsets",
            KID_SUBSETS,
            "--kid-subset-size",
            KID_SUBSET_SIZE,
            "--json",
            "-",
        )
    )
    assert code == 0
    again = json.loads(capsys.readouterr().out)
    assert session.images_seen - before == 8  # the fake side only
    assert (again["kid_mean"], again["kid_std"]) == (
        first_eval[0]["kid_mean"],
        first_eval[0]["kid_std"],
    )


def test_statistics_file_holds_the_real_statistics_and_reads_in_pytorch_fid(
    first_eval, session, image_folders, inception_weights, tmp_path, capsys
):
    """The FID against a statistics file is checked with the toy extractor (test_evaluate.py)."""
    from pytorch_fid.fid_score import compute_statistics_of_path

    fake, real = image_folders
    ref = tmp_path / "ref.npz"
    before = session.images_seen
    assert (
        main(
            [
                "stats",
                str(real),
                "--out",
                str(ref),
                "--weights",
                str(inception_weights),
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    assert session.images_seen == before  # statistics of a cached reference cost no extraction
    real_pool3 = torch.cat(session.pool3)[8:18].double().numpy()  # first eval: 8 fake, then 10 real
    mu, sigma = compute_statistics_of_path(str(ref), None, 50, 2048, "cpu")
    assert np.allclose(mu, real_pool3.mean(axis=0), rtol=1e-10, atol=0)
    assert np.allclose(
        sigma, np.cov(real_pool3, rowvar=False), rtol=1e-8, atol=1e-12 * np.abs(sigma).max()
    )
    sidecar = json.loads((tmp_path / "ref.npz.json").read_text())
    assert sidecar["n"] == 10 and sidecar["resize"] == "tf1" and sidecar["layer"] == "pool3"
    assert sidecar["weights_sha256"] == sha256_of_file(inception_weights)
    capsys.readouterr()

    code = main(eval_args(fake, ref, inception_weights, "--metrics", "fid,kid"))
    assert_one_line_error(code, capsys.readouterr().err, "ref.npz", "only fid", "kid")
