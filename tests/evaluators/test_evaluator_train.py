"""Supervised evaluator training on a digits subset: accuracy, files, reload, determinism."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from ganforge.errors import UserError
from ganforge.evaluators.dataset import load_real_images
from ganforge.evaluators.train import train_evaluator, validation_accuracy
from ganforge.metrics.features.domain.files import META_FILE, WEIGHTS_FILE, load_evaluator
from ganforge.metrics.features.domain.network import run_evaluator

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
    # The floor and the domain IS ceiling come from the 60 held-out images, never trained on.
    assert meta["floor_n"] == 30 and meta["floor_fid"] > 0 and meta["floor_images"].startswith("held-out")
    assert 1.0 < meta["is_ceiling"] <= 10.0  # 10 classes: IS lies in [1, 10]
    assert meta["data"]["image_size"] == [32, 32] and meta["data"]["grayscale"] is True
    assert len(meta["weights"]["sha256"]) == 64


def test_floor_is_the_fid_of_two_halves_of_the_held_out_images(quick_digits):
    from ganforge.evaluators.dataset import disjoint_halves, stratified_split
    from ganforge.metrics.fid import fid_from_features

    out, meta = quick_digits
    real = load_real_images("builtin:digits", True, max_images=300, seed=0)
    _, held_out = stratified_split(real.labels, 0.2, 0)
    evaluator, _ = load_evaluator(out)
    features = run_evaluator(evaluator, [real.images[i] for i in held_out.tolist()])["features"].double()
    half_a, half_b = disjoint_halves(len(held_out), 0)
    expected = fid_from_features(features[half_a].numpy(), features[half_b].numpy())
    assert meta["floor_fid"] == pytest.approx(expected, rel=1e-9)


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


def test_a_domain_evaluator_warns_once_on_images_unlike_its_training_data(quick_digits):
    import warnings

    from ganforge.metrics.features import build_features

    out, _ = quick_digits
    gray_28 = torch.full((2, 3, 28, 28), 100, dtype=torch.uint8)  # MNIST-sized
    with pytest.warns(UserWarning, match=r"quick-digits: these images are 28×28 pixels, not 32×32 like the ones"):
        extractor = build_features(f"domain:{out}")
        extractor(gray_28)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        extractor(gray_28)  # once per extractor
        build_features(f"domain:{out}")(torch.full((2, 3, 32, 32), 100, dtype=torch.uint8))
    colour = torch.zeros(2, 3, 32, 32, dtype=torch.uint8)
    colour[:, 0] = 200
    with pytest.warns(UserWarning, match="are colour, not grayscale"):
        build_features(f"domain:{out}")(colour)
