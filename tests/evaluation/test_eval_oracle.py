"""Acceptance: `ganforge eval` with calibrated Inception weights reproduces torch-fidelity 0.4.

One extraction per side is shared by the module: the first `eval` fills the reference cache,
later commands must read it (the extractor's image count proves it).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from eval_helpers import assert_one_line_error, relative_difference

from ganforge.cli import main
from ganforge.metrics import evaluate as evaluate_module
from ganforge.metrics import reference as reference_module
from ganforge.metrics.features import build_features
from ganforge.metrics.weights import sha256_of_file

KID_SUBSETS, KID_SUBSET_SIZE = 10, 5


class CountingBuilder:
    """Builds the Inception extractor once and counts the images it is asked to process."""

    def __init__(self) -> None:
        self.extractor = None
        self.images_seen = 0

    def __call__(self, spec, *, weights=None, resize="tf1", device="cpu"):
        if self.extractor is None:
            self.extractor = build_features(spec, weights=weights, resize=resize, device=device)
            self.extractor.register_forward_pre_hook(self._count)
        assert self.extractor.protocol()["resize"] == resize
        return self.extractor

    def _count(self, module, inputs) -> None:
        self.images_seen += len(inputs[0])


@pytest.fixture(scope="module")
def session(tmp_path_factory, image_folders, inception_weights):
    """A private GANFORGE_HOME and the counting extractor, patched in for the whole module."""
    builder = CountingBuilder()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANFORGE_HOME", str(tmp_path_factory.mktemp("home")))
        patch.setattr(evaluate_module, "build_features", builder)
        patch.setattr(reference_module, "build_features", builder)
        yield builder


def eval_args(fake, real, weights, *extra):
    return ["eval", "--fake", str(fake), "--real", str(real), "--weights", str(weights), "--resize", "tf1",
            "--device", "cpu", *map(str, extra)]


@pytest.fixture(scope="module")
def first_eval(session, image_folders, inception_weights, tmp_path_factory):
    fake, real = image_folders
    out = tmp_path_factory.mktemp("out") / "out.json"
    code = main(eval_args(fake, real, inception_weights, "--metrics", "fid,kid", "--kid-subsets", KID_SUBSETS,
                          "--kid-subset-size", KID_SUBSET_SIZE, "--json", out))
    assert code == 0
    return json.loads(out.read_text()), session.images_seen


@pytest.fixture(scope="module")
def torch_fidelity_result(image_folders, inception_weights):
    from torch_fidelity import calculate_metrics

    fake, real = image_folders
    return calculate_metrics(
        input1=str(fake), input2=str(real), fid=True, kid=True, kid_subsets=KID_SUBSETS,
        kid_subset_size=KID_SUBSET_SIZE, feature_extractor_weights_path=str(inception_weights),
        cuda=False, save_cpu_ram=True, cache=False, verbose=False,
    )


def test_fid_and_kid_equal_torch_fidelity(first_eval, torch_fidelity_result):
    result, images_seen = first_eval
    assert images_seen == 10 + 12
    assert set(result) == {"fid", "kid_mean", "kid_std", "protocol"}
    assert relative_difference(result["fid"], torch_fidelity_result["frechet_inception_distance"]) < 1e-5
    assert relative_difference(result["kid_mean"], torch_fidelity_result["kernel_inception_distance_mean"]) < 1e-4
    assert relative_difference(result["kid_std"], torch_fidelity_result["kernel_inception_distance_std"]) < 1e-4


def test_protocol_records_how_the_numbers_were_made(first_eval, inception_weights):
    protocol = first_eval[0]["protocol"]
    assert (protocol["n_fake"], protocol["n_real"]) == (10, 12)
    assert protocol["resize"] == "tf1" and protocol["features"]["features"] == "inception-v3-fid"
    assert protocol["weights_sha256"] == sha256_of_file(inception_weights)
    assert (protocol["kid_subsets"], protocol["kid_subset_size"]) == (KID_SUBSETS, KID_SUBSET_SIZE)
    assert protocol["seeds"]["kid"] == 2020 and protocol["device"] == "cpu"


def test_second_eval_reads_the_real_features_from_the_cache(first_eval, session, image_folders,
                                                            inception_weights, capsys):
    fake, real = image_folders
    before = session.images_seen
    code = main(eval_args(fake, real, inception_weights, "--metrics", "fid,kid", "--kid-subsets", KID_SUBSETS,
                          "--kid-subset-size", KID_SUBSET_SIZE, "--json", "-"))
    assert code == 0
    again = json.loads(capsys.readouterr().out)
    assert session.images_seen - before == 10  # the fake side only
    assert again["fid"] == first_eval[0]["fid"] and again["kid_mean"] == first_eval[0]["kid_mean"]


def test_statistics_file_reproduces_the_fid_and_reads_in_pytorch_fid(first_eval, session, image_folders,
                                                                    inception_weights, tmp_path, capsys):
    from pytorch_fid.fid_score import compute_statistics_of_path

    fake, real = image_folders
    ref = tmp_path / "ref.npz"
    before = session.images_seen
    assert main(["stats", str(real), "--out", str(ref), "--weights", str(inception_weights), "--device", "cpu"]) == 0
    assert session.images_seen == before  # statistics of a cached reference cost no extraction
    mu, sigma = compute_statistics_of_path(str(ref), None, 50, 2048, "cpu")
    assert mu.shape == (2048,) and sigma.shape == (2048, 2048) and np.allclose(sigma, sigma.T)
    sidecar = json.loads((tmp_path / "ref.npz.json").read_text())
    assert sidecar["n"] == 12 and sidecar["resize"] == "tf1"
    assert sidecar["weights_sha256"] == sha256_of_file(inception_weights)
    capsys.readouterr()

    code = main(eval_args(fake, ref, inception_weights, "--metrics", "fid", "--json", "-"))
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and relative_difference(result["fid"], first_eval[0]["fid"]) < 1e-9
    assert result["protocol"]["n_real"] == 12

    code = main(eval_args(fake, ref, inception_weights, "--metrics", "kid"))
    assert_one_line_error(code, capsys.readouterr().err, "ref.npz", "only fid", "kid")
