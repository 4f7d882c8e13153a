"""`evaluate` and `ganforge eval` end to end with a cheap toy extractor (Inception: test_eval_oracle.py)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from eval_helpers import TinyGenerator, assert_one_line_error, relative_difference, toy_features_of

import ganforge
from ganforge.errors import UserError
from ganforge.metrics.evaluate import evaluate
from ganforge.metrics.fid import fid_from_features
from ganforge.metrics.inception_score import inception_score
from ganforge.metrics.kid import kernel_inception_distance
from ganforge.metrics.prdc import density_coverage, precision_recall
from ganforge.metrics.stats import save_stats

PROTOCOL_KEYS = {
    "metrics",
    "n_fake",
    "n_real",
    "fake",
    "real",
    "features",
    "weights_sha256",
    "weights_source",
    "resize",
    "layers",
    "fid_method",
    "exif_orientation",
    "seeds",
    "kid_subsets",
    "kid_subset_size",
    "ci",
    "floor",
    "versions",
    "device",
}


def test_python_kid_shrinks_to_a_small_folder_by_default_and_strict_fails(toy_features, toy_folders):
    fake, real = toy_folders  # 24 and 30 images: smaller than the default subset size 1000
    with pytest.warns(UserWarning, match="subset size shrunk from 1000 to 24"):
        result = ganforge.evaluate(fake, real, metrics="kid", features="toy", kid_subsets=5, device="cpu", cache=False)
    assert result["protocol"]["kid_subset_size"] == 24
    expected, _ = kernel_inception_distance(toy_features_of(fake), toy_features_of(real), subsets=5, subset_size=24)
    assert result["kid_mean"] == pytest.approx(expected, rel=1e-9)
    with pytest.raises(UserError, match="--kid-subset-size 1000 is larger than the number of images"):
        ganforge.evaluate(fake, real, metrics="kid", features="toy", kid_allow_shrink=False, device="cpu", cache=False)


def test_all_metrics_equal_the_metric_functions_on_the_same_features(toy_features, toy_folders):
    fake, real = toy_folders
    result = evaluate(
        fake,
        real,
        metrics="fid,kid,is,pr,dc",
        features="toy",
        kid_subsets=7,
        kid_subset_size=10,
        device="cpu",
        cache=False,
    )
    assert list(result) == [
        "fid",
        "kid_mean",
        "kid_std",
        "is_mean",
        "is_std",
        "precision",
        "recall",
        "density",
        "coverage",
        "protocol",
    ]
    fake_features, real_features = toy_features_of(fake), toy_features_of(real)
    assert (
        relative_difference(result["fid"], fid_from_features(fake_features, real_features)) < 1e-9
    )
    kid = kernel_inception_distance(
        fake_features, real_features, subsets=7, subset_size=10, seed=2020
    )
    assert (result["kid_mean"], result["kid_std"]) == pytest.approx(kid, rel=1e-12)
    assert (result["precision"], result["recall"]) == precision_recall(fake_features, real_features)
    assert (result["density"], result["coverage"]) == density_coverage(fake_features, real_features)
    assert result["is_mean"] > 1.0
    protocol = result["protocol"]
    assert set(protocol) == PROTOCOL_KEYS | {"is_classifier"}  # IS from a non-ImageNet classifier
    assert protocol["n_fake"] == 24 and protocol["n_real"] == 30
    assert protocol["layers"] == [
        "features",
        "logits",
    ]  # Inception layers mapped to the evaluator's
    assert protocol["kid_subset_size"] == 10 and protocol["seeds"]["kid"] == 2020
    assert protocol["versions"]["torch"] == torch.__version__ and protocol["device"] == "cpu"
    assert protocol["features"]["name"] == "toy" and protocol["weights_sha256"] == "0" * 64


def test_json_keys_with_intervals(toy_features, toy_folders, tmp_path, cli):
    fake, real = toy_folders
    out = tmp_path / "result.json"
    code, stdout, _ = cli(
        "eval",
        "--fake",
        fake,
        "--real",
        real,
        "--metrics",
        "fid,kid",
        "--features",
        "toy",
        "--kid-subsets",
        "3",
        "--kid-subset-size",
        "8",
        "--ci",
        "--ci-draws",
        "4",
        "--device",
        "cpu",
        "--json",
        out,
    )
    assert code == 0
    result = json.loads(out.read_text())
    assert set(result) == {"fid", "fid_ci", "kid_mean", "kid_std", "kid_mean_ci", "protocol"}
    low, high = result["fid_ci"]
    assert low <= high and result["protocol"]["ci"] == {"draws": 4, "level": 0.95}
    assert "fid_ci" not in stdout and "95% CI" in stdout and "kid_mean" in stdout  # the table
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left beside the JSON


def test_json_dash_prints_only_json(toy_features, toy_folders, cli):
    fake, real = toy_folders
    code, stdout, _ = cli(
        "eval",
        "--fake",
        fake,
        "--real",
        real,
        "--features",
        "toy",
        "--json",
        "-",
        "--device",
        "cpu",
    )
    assert code == 0 and set(json.loads(stdout)) == {"fid", "protocol"}


def test_kid_needs_enough_images_unless_shrinking(toy_features, toy_folders, cli):
    fake, real = toy_folders
    args = [
        "eval",
        "--fake",
        fake,
        "--real",
        real,
        "--metrics",
        "kid",
        "--features",
        "toy",
        "--kid-subsets",
        "2",
        "--device",
        "cpu",
        "--json",
        "-",
    ]
    code, _, err = cli(*args, "--kid-strict")
    assert_one_line_error(
        code, err, "--kid-subset-size 1000", "fake: 24", "real: 30", "--kid-shrink"
    )
    assert toy_features == [] or toy_features[0].images_seen == 0  # failed before reading any image
    code, stdout, err = cli(*args)  # the default shrinks, and says so
    assert code == 0 and json.loads(stdout)["protocol"]["kid_subset_size"] == 24
    assert "shrunk to 24" in err


def test_statistics_reference_serves_fid_only(toy_features, toy_folders, tmp_path, cli):
    fake, real = toy_folders
    real_features = toy_features_of(real)
    ref = tmp_path / "ref.npz"
    save_stats(
        ref,
        real_features.astype(np.float64).mean(0),
        np.cov(real_features.astype(np.float64), rowvar=False),
        {
            "n": 30,
            "features": {"name": "toy", "weights_sha256": "0" * 64, "layer": "features"},
            "resize": None,
        },
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a matching sidecar gives no comparability warning
        result = evaluate(fake, ref, features="toy", device="cpu")
    assert (
        relative_difference(result["fid"], fid_from_features(toy_features_of(fake), real_features))
        < 1e-9
    )
    assert result["protocol"]["n_real"] == 30 and result["protocol"]["real"]["kind"] == "statistics"
    code, _, err = cli(
        "eval", "--fake", fake, "--real", ref, "--metrics", "fid,kid", "--features", "toy"
    )
    assert_one_line_error(code, err, "ref.npz", "only fid", "kid")
    other = tmp_path / "other.npz"
    save_stats(
        other, np.zeros(12), np.eye(12), {"n": 30, "features": {"name": "toy"}, "resize": "tf1"}
    )
    with pytest.raises(UserError, match="other.npz: statistics made with features toy with weights None, "
                       "this evaluation uses toy with weights 000000000000; recompute them"):
        evaluate(fake, other, features="toy", device="cpu")
    same_features = tmp_path / "same.npz"
    save_stats(same_features, np.zeros(12), np.eye(12), {"n": 30, "resize": "clean",
               "features": {"name": "toy", "weights_sha256": "0" * 64, "layer": "features"}})  # fmt: skip
    with pytest.raises(UserError, match="same.npz: statistics made with --resize clean, this evaluation uses --resize None"):
        evaluate(fake, same_features, features="toy", device="cpu")


def test_fid_between_two_statistics_files(tmp_path):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(40, 3)), rng.normal(1.0, size=(50, 3))
    save_stats(tmp_path / "a.npz", a.mean(0), np.cov(a, rowvar=False), {"n": 40})
    save_stats(tmp_path / "b.npz", b.mean(0), np.cov(b, rowvar=False), {"n": 50})
    result = evaluate(tmp_path / "a.npz", tmp_path / "b.npz", device="cpu")
    assert relative_difference(result["fid"], fid_from_features(a, b)) < 1e-9
    assert result["protocol"]["features"] is None and result["protocol"]["n_fake"] == 40
    with pytest.raises(UserError, match="only fid without --ci"):
        evaluate(tmp_path / "a.npz", tmp_path / "b.npz", ci=True, device="cpu")


def test_generator_makes_as_many_images_as_the_real_side(toy_features, toy_folders):
    _, real = toy_folders
    torch.manual_seed(0)
    result = evaluate(
        TinyGenerator(), real, metrics=["fid", "pr"], features="toy", device="cpu", cache=False
    )
    assert result["protocol"]["n_fake"] == 30 == result["protocol"]["n_real"]
    assert result["protocol"]["fake"]["kind"] == "generator"
    with pytest.warns(
        UserWarning, match="rank at most 11 < 12"
    ):  # N ≤ d: the FID warns with the rank
        capped = evaluate(
            TinyGenerator(), real, metrics=["fid"], features="toy", n=12, device="cpu", cache=False
        )
    assert capped["protocol"]["n_fake"] == 12 == capped["protocol"]["n_real"]


def test_is_needs_no_real_and_is_labelled_a_domain_score_off_imagenet(toy_features, toy_folders):
    fake, _ = toy_folders
    result = ganforge.evaluate(fake, metrics=["is"], features="toy", device="cpu")
    assert set(result) == {"is_mean", "is_std", "protocol"} and result["protocol"]["n_real"] is None
    assert result["protocol"]["is_classifier"].startswith("toy: domain IS over its own classes")


def test_floor_scores_two_real_halves_and_is_on_all_real_images(toy_features, toy_folders, cli):
    from ganforge.metrics.floor import real_halves

    fake, real = toy_folders
    result = evaluate(fake, real, metrics="fid,kid,is,pr", features="toy", kid_subsets=5,
                      kid_subset_size=20, device="cpu", cache=False, floor=True)  # fmt: skip
    real_features = toy_features_of(real)
    half_a, half_b = real_halves(30, seed=0)
    assert len(half_a) == len(half_b) == 15 and not set(half_a) & set(half_b)
    assert result["fid_real"] == pytest.approx(fid_from_features(real_features[half_b], real_features[half_a]), rel=1e-9)
    kid_real = kernel_inception_distance(real_features[half_b], real_features[half_a], 5, 15)
    assert (result["kid_mean_real"], result["kid_std_real"]) == pytest.approx(kid_real, rel=1e-9)
    logits = torch.from_numpy(real_features[:, :10] * 10)
    assert result["is_mean_real"] == pytest.approx(inception_score(logits)[0], rel=1e-6)
    assert "precision_real" in result and result["protocol"]["floor"]["real_half_n"] == 15
    assert result["fid"] != result["fid_real"]
    code, out, _ = cli("eval", "--fake", fake, "--real", real, "--features", "toy", "--floor", "--no-cache")
    assert code == 0 and "fid_real" in out


def test_floor_needs_real_images(toy_features, toy_folders, tmp_path):
    fake, real = toy_folders
    save_stats(tmp_path / "ref.npz", np.zeros(12), np.eye(12), {"n": 30})
    with pytest.raises(UserError, match="--floor needs real images, not statistics"):
        evaluate(fake, tmp_path / "ref.npz", features="toy", device="cpu", floor=True)
    with pytest.raises(UserError, match="--real: required by --floor"):
        evaluate(fake, None, metrics="is", features="toy", device="cpu", floor=True)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--fake", "{tmp}/nowhere", "--real", "{real}"], ["nowhere", "no such file"]),
        (["--fake", "{fake}", "--real", "{real}", "--metrics", "fid,bogus"], ["bogus", "allowed"]),
        (["--fake", "{fake}", "--metrics", "kid"], ["--real", "kid"]),
        (
            ["--fake", "{fake}", "--real", "{real}", "--json", "{tmp}/no/dir/out.json"],
            ["--json", "does not exist"],
        ),
        (
            ["--fake", "{fake}", "--real", "{real}", "--features", "nonsense"],
            ["--features nonsense"],
        ),
        (["--fake", "{fake}", "--real", "{real}", "--batch-size", "0"], ["--batch-size 0"]),
        (["--fake", "{fake}", "--real", "{real}", "--n", "0"], ["--n 0"]),
    ],
)
def test_user_errors_are_one_line(toy_features, toy_folders, tmp_path, cli, args, fragments):
    fake, real = toy_folders
    filled = [a.format(tmp=tmp_path, fake=fake, real=real) for a in args]
    code, _, err = cli("eval", *filled, "--device", "cpu")
    assert_one_line_error(code, err, *fragments)


def test_exported_generator_file_is_a_source(toy_features, toy_folders, tmp_path):
    from safetensors.torch import save_file

    from ganforge.config import load_config
    from ganforge.runs import build_generator

    config = load_config("dcgan-digits", {"model.g.width": 4, "model.z_dim": 8})
    torch.manual_seed(0)
    generator = build_generator(config)
    save_file(
        {k: v.contiguous() for k, v in generator.state_dict().items()}, tmp_path / "G.safetensors"
    )
    (tmp_path / "G.json").write_text(json.dumps({"config": config.model_dump(mode="json")}))
    _, real = toy_folders
    result = ganforge.evaluate(
        tmp_path / "G.safetensors",
        real,
        metrics="fid,dc",
        features="toy",
        seed=1,
        device="cpu",
        cache=False,
    )
    assert result["protocol"]["fake"] == {
        "source": str(tmp_path / "G.safetensors"),
        "kind": "generator",
        "subset_seed": None,
    }
    assert result["protocol"]["n_fake"] == 30 and np.isfinite(result["fid"])
    toy_features.clear()
    same = ganforge.evaluate(
        tmp_path / "G.safetensors", real, metrics="fid", features="toy", seed=1, device="cpu"
    )
    other_seed = ganforge.evaluate(
        tmp_path / "G.safetensors", real, metrics="fid", features="toy", seed=2, device="cpu"
    )
    assert same["fid"] == result["fid"] and other_seed["fid"] != result["fid"]
    assert (
        toy_features[1].images_seen == 30
    )  # generated images are extracted, the real side came from the cache
    with pytest.raises(UserError, match="G.safetensors: a run, not images; evaluate it with ganforge.evaluate"):
        evaluate(tmp_path / "G.safetensors", real, features="toy", device="cpu")  # metrics alone never load runs


def test_a_folder_of_unreadable_files_is_one_line_error(toy_features, toy_folders, tmp_path, cli):
    _, real = toy_folders
    broken = tmp_path / "broken"
    broken.mkdir()
    for index in range(2):
        (broken / f"{index}.png").write_bytes(b"not an image")
    code, _, err = cli(
        "eval", "--fake", broken, "--real", real, "--features", "toy", "--device", "cpu"
    )
    assert_one_line_error(code, err, "broken", "no readable images")
    assert err.count("ganforge: warning: skipping") == 2


def test_no_cache_extracts_the_real_side_every_time(toy_features, toy_folders, cli):
    fake, real = toy_folders
    args = ["eval", "--fake", fake, "--real", real, "--features", "toy", "--device", "cpu"]
    for _ in range(2):
        assert cli(*args, "--no-cache")[0] == 0
    for _ in range(2):
        assert cli(*args)[0] == 0
    # 24 fake each time; the 30 real every time without the cache, once with it.
    assert [extractor.images_seen for extractor in toy_features] == [54, 54, 54, 24]
