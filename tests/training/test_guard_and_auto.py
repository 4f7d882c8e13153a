"""The divergence guard's state survives a resume; `auto` data settings come from the images."""

import json

import numpy as np
import pytest
from helpers import tiny_overrides
from PIL import Image

from ganforge.config import load_config
from ganforge.training.loop import train


class Crash(Exception):
    pass


def test_lowered_learning_rate_and_restore_count_are_resumed(tmp_path):
    config = load_config("dcgan-digits", tiny_overrides(**{"train.steps": 5, "ckpt.every": 2}))

    def lowered_then_crash(state, run_dir, logger):
        if state.step == 1:  # as after one restore by the guard
            state.guard.restores, state.guard.lr_factor = 1, 0.5
        if state.step == 3:
            raise Crash

    with pytest.raises(Crash):
        train(config, tmp_path / "r", progress=False, step_hook=lowered_then_crash)
    seen = []
    train(config, tmp_path / "r", resume=True, progress=False,
          step_hook=lambda state, run_dir, logger: seen.append((state.guard.restores, state.guard.lr_factor)))
    assert seen[0] == (1, 0.5)
    records = [json.loads(line) for line in (tmp_path / "r/log.jsonl").read_text().splitlines()]
    assert records[-1]["step"] == 5 and records[-1]["lr_g"] == pytest.approx(1e-4)


def test_grayscale_28px_folder_trains_one_channel_at_32(tmp_path):
    folder = tmp_path / "mnist-like"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(8):
        Image.fromarray(rng.integers(0, 255, (28, 28), dtype=np.uint8), "L").save(folder / f"{i}.png")
    overrides = tiny_overrides(**{"train.steps": 1, "data.path": str(folder), "data.max_images": 8,
                                  "data.channels": "auto", "data.resolution": "auto"})
    run = train(load_config("dcgan-folder-64", overrides), tmp_path / "r", progress=False)
    saved = load_config(run / "config.yaml")
    assert (saved.data.channels, saved.data.resolution) == (1, 32)


def test_colour_folder_trains_three_channels(tmp_path):
    folder = tmp_path / "colour"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        Image.fromarray(rng.integers(0, 255, (70, 90, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    overrides = tiny_overrides(**{"train.steps": 1, "data.path": str(folder), "data.max_images": 4,
                                  "data.channels": "auto", "data.resolution": "auto"})
    saved = load_config(train(load_config("dcgan-folder-64", overrides), tmp_path / "r", progress=False) / "config.yaml")
    assert (saved.data.channels, saved.data.resolution) == (3, 128)


@pytest.mark.parametrize(("side", "mode", "expected"), [(28, "L", (1, 32)), (100, "RGB", (3, 64))])
def test_own_size_folder_preset_trains_small_images_at_their_size_and_large_ones_at_64(tmp_path, side, mode, expected):
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    shape = (side, side) if mode == "L" else (side, side, 3)
    for i in range(4):
        Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8), mode).save(folder / f"{i}.png")
    overrides = tiny_overrides(**{"train.steps": 1, "data.path": str(folder)})
    saved = load_config(train(load_config("dcgan-folder", overrides), tmp_path / "r", progress=False) / "config.yaml")
    assert (saved.data.channels, saved.data.resolution) == expected
    assert saved.train.max_minutes == 9  # a run ends as a finished one within a user's 10 minutes
