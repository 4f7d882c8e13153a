"""The few-shot case of the quality comparison: its folder (benchmarks/few_shot_folder.py) and the
options of benchmarks/quality.py that choose presets, overrides and evaluators."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge.data.shapes import SHAPES
from ganforge.metrics.features import build_features

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import quality  # noqa: E402
from few_shot_folder import write_folder  # noqa: E402


def _pixels(paths: list[Path]) -> np.ndarray:
    return np.stack([np.asarray(Image.open(path)) for path in paths])


def test_write_folder_writes_n_images_of_256_pixels_of_one_shape(tmp_path):
    paths = write_folder(tmp_path, n=5, shape="star", size=256, seed=0)
    assert sorted(tmp_path.iterdir()) == paths and len(paths) == 5
    pixels = _pixels(paths)
    assert pixels.shape == (5, 256, 256, 3)
    with pytest.warns(UserWarning, match="256×256"):  # the shapes evaluator reads 32 px
        logits = build_features("shapes")(torch.from_numpy(pixels).permute(0, 3, 1, 2))["logits"]
    assert logits.argmax(1).tolist() == [SHAPES.index("star")] * 5


def test_write_folder_depends_only_on_its_arguments(tmp_path):
    first = _pixels(write_folder(tmp_path / "a", n=3, shape="square", size=64, seed=1))
    again = _pixels(write_folder(tmp_path / "b", n=3, shape="square", size=64, seed=1))
    other = _pixels(write_folder(tmp_path / "c", n=3, shape="square", size=64, seed=2))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_preset_overrides_keep_only_the_named_presets_values_parsed_as_yaml():
    sets = ["dcgan-folder-64:data.resolution=128", "fastgan-folder-256:train.batch_size=4",
            "dcgan-folder-64:augment.diffaugment=[color]"]  # fmt: skip
    assert quality.preset_overrides(sets, "dcgan-folder-64") == {"data.resolution": 128,
                                                                 "augment.diffaugment": ["color"]}  # fmt: skip
    assert quality.preset_overrides(sets, "projected-folder-256") == {}


def test_check_sets_refuses_a_preset_not_run_and_a_malformed_item():
    quality.check_sets(["dcgan-folder-64:data.resolution=128"], ["dcgan-folder-64"])
    with pytest.raises(SystemExit, match="not among --presets"):
        quality.check_sets(["dcgan-folder-46:data.resolution=128"], ["dcgan-folder-64"])
    with pytest.raises(SystemExit, match="PRESET:KEY=VALUE"):
        quality.check_sets(["data.resolution=128"], ["dcgan-folder-64"])


def test_domain_features_default_to_the_shipped_evaluator_and_a_folder_needs_one_named(tmp_path):
    assert quality.domain_features("builtin:shapes64", None) == "shapes"
    assert quality.domain_features("builtin:digits", None) == "digits"
    assert quality.domain_features(str(tmp_path), "shapes") == "shapes"
    with pytest.raises(SystemExit, match="--features"):
        quality.domain_features(str(tmp_path), None)


def test_inception_marks_are_the_last_or_every_one():
    assert quality.INCEPTION_AT["last"](4) == {3}
    assert quality.INCEPTION_AT["every"](3) == {0, 1, 2}


def _args(**given) -> argparse.Namespace:
    defaults = {"few_shot": None, "presets": ["dcgan-folder-64", "projected-folder-64"], "data": "builtin:digits",
                "features": None, "set": [], "minutes": 10.0, "every": 120.0, "n": 1000, "inception_n": 0,
                "inception_at": "last", "keep": None}  # fmt: skip
    return argparse.Namespace(**{**defaults, **given})


def test_command_line_spells_out_the_few_shot_case_and_keeps_the_old_form_otherwise():
    assert quality.command_line(_args()) == (
        "python benchmarks/quality.py --presets dcgan-folder-64 projected-folder-64 --data builtin:digits "
        "--minutes 10 --every 120 --n 1000 --inception-n 0")
    few = _args(few_shot="/data/stars", features="shapes", set=["dcgan-folder-64:data.resolution=128"],
                minutes=30.0, every=300.0, inception_n=500, inception_at="every")  # fmt: skip
    assert quality.command_line(few) == (
        "python benchmarks/quality.py --few-shot /data/stars --features shapes --set dcgan-folder-64:data.resolution=128 "
        "--minutes 30 --every 300 --n 1000 --inception-n 500 --inception-at every")


def test_few_shot_writes_the_folder_and_names_the_three_presets_and_the_shapes_evaluator(tmp_path, monkeypatch):
    written = []
    monkeypatch.setattr("few_shot_folder.write_folder", lambda out, n: written.append((out, n)))
    args = _args(few_shot=str(tmp_path))
    quality.few_shot(args)
    assert written == [(tmp_path, 100)]
    assert args.presets == ["fastgan-folder-256", "projected-folder-256", "dcgan-folder-64"]
    assert (args.data, args.features) == (str(tmp_path), "shapes")


def test_real_side_counts_the_images_of_a_folder(tmp_path):
    write_folder(tmp_path, n=3, size=32)
    (tmp_path / "notes.txt").write_text("not an image")
    assert quality.real_side(str(tmp_path)) == f"the 3 training images in {tmp_path}"
    assert quality.real_side("builtin:shapes") == "builtin:shapes"
