"""Every preset trains a few steps at tiny width with finite losses."""

import json
import math

import numpy as np
import pytest
from helpers import tiny_overrides
from PIL import Image

from ganforge.config import load_config
from ganforge.training.loop import train

PRESETS = ["gan-mlp-digits", "lsgan-digits", "dcgan-digits", "dcgan-shapes", "sngan-shapes", "dcgan-folder-64", "dcgan-folder"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("faces")
    rng = np.random.default_rng(1)
    for index in range(16):
        Image.fromarray(rng.integers(0, 255, (80, 70, 3), dtype=np.uint8)).save(root / f"{index}.jpg")
    return root


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_trains_with_finite_losses(preset, tmp_path, folder):
    overrides = tiny_overrides(**{"train.steps": 3, "data.max_images": 32})
    if preset.startswith("dcgan-folder"):
        overrides["data.path"] = str(folder)
    config = load_config(preset, overrides)
    run = train(config, tmp_path / "run", progress=False)
    records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3]
    for record in records:
        for key in ("d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g"):
            assert math.isfinite(record[key]), (preset, key, record)
    assert (run / "samples/final.png").is_file()
    final = np.asarray(Image.open(run / "samples/final.png"))
    assert final.std() > 0  # the grid holds images, not a blank canvas
