"""The projected and FastGAN presets through the whole tool, as the other models: training,
exact resume, sample, export, interpolate, eval and report (a random stand-in feature network
with calibrated BatchNorm; `test_projected_processes.py` runs real processes with the real one)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from helpers import tiny_overrides
from PIL import Image
from safetensors.torch import load_file

from crash_hook import assert_same_networks, through_and_resumed
from ganforge.api import export, load_generator
from ganforge.cli import main
from ganforge.config import load_config
from ganforge.pretrained.efficientnet_weights import WEIGHTS_SHA256
from ganforge.training.loop import train

STEPS = 8
OVERRIDES = tiny_overrides(**{"train.steps": STEPS, "ckpt.every": 4, "data.path": "builtin:digits",
                              "data.max_images": 32})  # fmt: skip


@pytest.fixture(autouse=True)
def features(stand_in_efficientnet):
    return stand_in_efficientnet


@pytest.fixture(scope="module")
def small_digits(tmp_path_factory):
    """28-px gray PNGs, as a user's folder of digits."""
    from ganforge.data import open_source

    root = tmp_path_factory.mktemp("digits")
    source = open_source("builtin:digits")
    for index in range(16):
        Image.fromarray(np.asarray(source.image(index)).squeeze()).save(root / f"{index}.png")
    return root


def _records(run):
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]


@pytest.mark.parametrize(("preset", "resolution"), [("projected-folder-64", 32), ("projected-folder-256", 32),
                                                     ("fastgan-folder-256", 64)])  # fmt: skip
def test_folder_presets_train_at_the_images_own_size(preset, resolution, tmp_path, small_digits):
    config = load_config(preset, {**OVERRIDES, "data.path": str(small_digits), "train.steps": 2})
    run = train(config, tmp_path / "run", progress=False)
    resolved = (run / "config.yaml").read_text()
    assert f"resolution: {resolution}\n" in resolved and "channels: 1\n" in resolved  # 28-px gray digits
    for record in _records(run):
        assert all(math.isfinite(record[key]) for key in ("d_loss", "g_loss", "d_real", "d_fake"))
    if preset.startswith("fastgan"):
        assert all(record["d_reconstruction"] > 0 for record in _records(run))
    if preset == "projected-folder-64":  # its G pays the pooled-pixel MMD against the folder's images
        logged = [record["mmd"] for record in _records(run) if "step" in record]
        assert logged and all(value > 0 for value in logged)
    assert np.asarray(Image.open(run / "samples/final.png")).std() > 0


def test_checkpoint_holds_projections_and_a_reference_not_the_feature_network(tmp_path):
    run = train(load_config("projected-folder-64", {**OVERRIDES, "train.steps": 2}), tmp_path / "run", progress=False)
    checkpoint = torch.load(run / "checkpoints/latest.ckpt", weights_only=True)
    d_state = checkpoint["networks"]["D"]
    assert d_state["_extra_state"] == {"feature_network": "efficientnet-lite0", "sha256": WEIGHTS_SHA256}
    assert "projections.ccm0_weight" in d_state and "projections.csm2_weight" in d_state
    assert not any("conv_stem" in key or "blocks." in key for key in d_state)
    assert sum(t.numel() for t in d_state.values() if isinstance(t, torch.Tensor)) < 2_000_000


@pytest.mark.parametrize("preset", ["projected-folder-64", "fastgan-folder-256"])
def test_crash_then_resume_matches_uninterrupted(preset, tmp_path):
    config = load_config(preset, {**OVERRIDES, "data.max_resolution": 32 if preset.startswith("projected") else 64})
    assert_same_networks(*through_and_resumed(config, tmp_path, 6))
    a, _ = export(tmp_path / "A", tmp_path / "A.safetensors")
    b, _ = export(tmp_path / "B", tmp_path / "B.safetensors")
    first, second = load_file(a), load_file(b)
    assert first.keys() == second.keys()
    assert all(torch.equal(first[name], second[name]) for name in first)


def test_sample_export_interpolate_eval_and_report(tmp_path, capsys):
    run = train(load_config("projected-folder-64", OVERRIDES), tmp_path / "run", progress=False)
    assert main(["sample", str(run), "--n", "8", "--out", str(tmp_path / "grid.png")]) == 0
    assert Image.open(tmp_path / "grid.png").size[0] > 32
    assert main(["interpolate", str(run), "--steps", "4", "--rows", "2", "--out", str(tmp_path / "walk.png")]) == 0
    assert (tmp_path / "walk.png").is_file()
    weights, _ = export(run, tmp_path / "G.safetensors")
    generator = load_generator(weights)
    images = generator(torch.randn(2, generator.z_dim))
    assert images.shape == (2, 1, 32, 32)
    capsys.readouterr()
    assert main(["eval", "--fake", str(run), "--real", "builtin:digits", "--metrics", "fid", "--features", "digits",
                 "--n", "64", "--json", "-"]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out)["fid"] > 0
    assert main(["report", str(run), "--out", str(tmp_path / "report.html")]) == 0
    assert "projected" in (tmp_path / "report.html").read_text()


def test_class_conditional_projected_training_and_sampling_by_class(tmp_path):
    overrides = {**OVERRIDES, "task": "conditional", "data.labels": True, "train.steps": 2}
    run = train(load_config("projected-folder-64", overrides), tmp_path / "run", progress=False)
    assert all(math.isfinite(record["d_loss"]) for record in _records(run))
    assert main(["sample", str(run), "--n", "4", "--class", "3", "--out", str(tmp_path / "threes.png")]) == 0
    assert (tmp_path / "threes.png").is_file()


def test_a_run_with_an_auto_g_width_samples_and_exports_from_its_checkpoint(tmp_path):
    overrides = {**OVERRIDES, "model.g.width": "auto", "train.steps": 1}
    run = train(load_config("projected-folder-64", overrides), tmp_path / "run", progress=False)
    assert "width: auto" in (run / "config.yaml").read_text()  # settled again from the resolution on load
    generator = load_generator(run)
    assert generator.ups[-1].net[1].out_channels == 2 * 16  # width 8 at 32 px: 16 channels at side 32, doubled for GLU
    assert main(["sample", str(run), "--n", "2", "--out", str(tmp_path / "two.png")]) == 0
    export(run, tmp_path / "g.safetensors")
    assert load_file(tmp_path / "g.safetensors")
