"""Supervised evaluator training on a digits subset: accuracy, files, reload, determinism."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from ganforge.errors import UserError
from ganforge.evaluators.dataset import load_real_images
from ganforge.evaluators.files import META_FILE, WEIGHTS_FILE, load_evaluator
from ganforge.evaluators.network import run_evaluator
from ganforge.evaluators.train import train_evaluator, validation_accuracy

JSON_KEYS = {
    "format", "name", "mode", "architecture", "preprocessing", "feature_layer", "weights", "classes",
    "val_accuracy", "val_n", "split", "training", "floor_fid", "floor_n", "data", "ganforge_version",
}  # fmt: skip


def test_quick_training_beats_chance_and_writes_both_files(quick_digits):
    out, meta = quick_digits
    assert (out / WEIGHTS_FILE).is_file() and (out / META_FILE).is_file()
    assert meta["mode"] == "supervised" and meta["architecture"]["name"] == "small_cnn"
    # 10 classes: chance is 0.1; 3 epochs on 240 images already separate most digits.
    assert meta["val_accuracy"] > 0.4
    assert meta["val_n"] == 60 and meta["training"]["train_n"] == 240
    losses = meta["training"]["loss_per_epoch"]
    assert len(losses) == 3 and losses[-1] < losses[0]


def test_json_has_every_key_with_sane_values(quick_digits):
    out, _ = quick_digits
    meta = json.loads((out / META_FILE).read_text())
    assert JSON_KEYS <= set(meta)
    assert meta["name"] == "quick-digits"
    assert meta["preprocessing"]["channels"] == 1 and meta["preprocessing"]["input_size"] == 32
    assert meta["preprocessing"]["grayscale"].startswith("bt601")
    assert meta["feature_layer"] == {
        "name": "features",
        "where": meta["feature_layer"]["where"],
        "dim": 128,
    }
    assert meta["classes"] == [str(d) for d in range(10)]
    assert meta["floor_n"] == 150 and meta["floor_fid"] > 0
    assert len(meta["weights"]["sha256"]) == 64


def test_reload_gives_identical_features_and_the_recorded_accuracy(quick_digits):
    out, meta = quick_digits
    real = load_real_images("builtin:digits", True, max_images=300, seed=0)
    first, _ = load_evaluator(out)
    second, _ = load_evaluator(out)
    batch = torch.stack(real.images[:50])
    a, b = first(batch), second(batch)
    assert torch.equal(a["features"], b["features"]) and torch.equal(a["logits"], b["logits"])
    assert a["features"].shape == (50, 128) and a["logits"].shape == (50, 10)
    assert a["features"].dtype == torch.float32
    assert float(a["features"].std(dim=0).mean()) > 1e-3  # features differ between images
    assert validation_accuracy(first, real, meta["split"]) == pytest.approx(
        meta["val_accuracy"], abs=1e-6
    )


def test_batched_and_one_by_one_extraction_agree(quick_digits):
    out, _ = quick_digits
    evaluator, _ = load_evaluator(out)
    images = load_real_images("builtin:digits", True, max_images=300, seed=0).images[:8]
    together = run_evaluator(evaluator, images)["features"]
    alone = torch.cat([evaluator(img.unsqueeze(0))["features"] for img in images])
    torch.testing.assert_close(together, alone, rtol=1e-5, atol=1e-6)


def test_same_seed_gives_the_same_weights(tmp_path):
    runs = [
        train_evaluator("builtin:digits", tmp_path / name, epochs=1, max_images=64, seed=seed)
        for name, seed in (("a", 3), ("b", 3), ("c", 4))
    ]
    assert runs[0]["weights"]["sha256"] == runs[1]["weights"]["sha256"]
    assert runs[0]["weights"]["sha256"] != runs[2]["weights"]["sha256"]
    state_a, state_b = (
        load_file(tmp_path / "a" / WEIGHTS_FILE),
        load_file(tmp_path / "b" / WEIGHTS_FILE),
    )
    assert all(torch.equal(state_a[key], state_b[key]) for key in state_a)


def test_supervised_mode_without_labels_is_a_user_error(unlabelled_shapes_folder, tmp_path):
    with pytest.raises(UserError, match="class sub-folders"):
        train_evaluator(str(unlabelled_shapes_folder), tmp_path / "x", mode="supervised", epochs=1)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "magic"}, "--mode"),
        ({"epochs": 0}, "--epochs"),
        ({"max_images": 1}, "--max-images"),
    ],
)
def test_bad_arguments_are_user_errors(tmp_path, kwargs, message):
    with pytest.raises(UserError, match=message):
        train_evaluator("builtin:digits", tmp_path / "x", **kwargs)


def test_out_that_is_a_file_is_a_user_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="not a directory"):
        train_evaluator("builtin:digits", tmp_path / "file", epochs=1)
