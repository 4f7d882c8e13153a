"""`ganforge stats`: statistics file + protocol sidecar, reused by `ganforge eval --real`."""

from __future__ import annotations

import json

import numpy as np
from eval_helpers import assert_one_line_error, toy_features_of

from ganforge.metrics.stats import load_stats


def test_stats_writes_npz_and_sidecar(toy_features, toy_folders, tmp_path, cli):
    _, real = toy_folders
    out = tmp_path / "ref.npz"
    code, stdout, _ = cli(
        "stats",
        real,
        "--out",
        out,
        "--features",
        "toy",
        "--device",
        "cpu",
        "--n",
        "20",
        "--seed",
        "4",
    )
    assert code == 0 and "20 images" in stdout
    with np.load(out) as archive:
        assert sorted(archive.files) == ["mu", "sigma"]
    mu, sigma, protocol = load_stats(out)
    assert protocol == json.loads((tmp_path / "ref.npz.json").read_text())
    assert (
        protocol["n"] == 20
        and protocol["layer"] == "features"
        and protocol["source"]["subset_seed"] == 4
    )
    assert protocol["features"]["name"] == "toy" and protocol["versions"]["ganforge"]
    all_features = toy_features_of(real).astype(np.float64)
    chosen = sorted(np.random.RandomState(4).choice(30, 20, replace=False))
    assert np.allclose(mu, all_features[chosen].mean(0), rtol=1e-12)
    assert np.allclose(sigma, np.cov(all_features[chosen], rowvar=False), rtol=1e-9, atol=1e-15)


def test_stats_user_errors(toy_features, toy_folders, tmp_path, cli):
    _, real = toy_folders
    code, _, err = cli("stats", real, "--out", tmp_path / "ref.txt", "--features", "toy")
    assert_one_line_error(code, err, "ref.txt", ".npz")
    code, _, err = cli(
        "stats", tmp_path / "absent", "--out", tmp_path / "ref.npz", "--features", "toy"
    )
    assert_one_line_error(code, err, "absent")
    assert not (tmp_path / "ref.npz").exists()
