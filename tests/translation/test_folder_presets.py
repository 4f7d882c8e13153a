"""The 256-pixel folder presets train on users' folders; translate runs on a new image of another size."""

import numpy as np
import pytest
from PIL import Image
from translation_helpers import tiny, write_images

from ganforge.cli import main
from ganforge.config import load_config
from ganforge.training.loop import train

SMALL = {"translator.g_width": 2, "translator.d_width": 2, "train.steps": 2, "train.batch_size": 1, "train.sample_grid": 3}


def _aligned_folder(root, count):
    """A|B pairs, 512x256: A a gradient, B its colour inverse (a learnable pix2pix task)."""
    root.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        a = rng.integers(0, 255, (256, 256, 3), dtype=np.uint8)
        Image.fromarray(np.concatenate([a, 255 - a], 1)).save(root / f"{index}.jpg")
    return root


def test_pix2pix_aligned_256_trains_and_translates_a_new_size(tmp_path):
    folder = _aligned_folder(tmp_path / "facades" / "train", 3)
    _aligned_folder(tmp_path / "facades" / "test", 1)
    config = load_config("pix2pix-aligned-256", tiny(**SMALL, **{"data.path": str(folder.parent)}))
    assert config.data.resolution == 256 and config.translator.generator == "unet"
    run = train(config, tmp_path / "run", progress=False)
    photo = tmp_path / "new.jpg"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (200, 300, 3), dtype=np.uint8)).save(photo)
    assert main(["translate", str(run), "--input", str(photo), "--out", str(tmp_path / "out.png")]) == 0
    assert Image.open(tmp_path / "out.png").size == (300, 200)


@pytest.mark.parametrize("preset", ["cyclegan-folder-256", "colorize-folder-256"])
def test_folder_presets_train(preset, tmp_path):
    root = tmp_path / "data"
    if preset == "cyclegan-folder-256":
        for side in ("trainA", "trainB", "testA", "testB"):
            write_images(root / side, 2, (260, 250), len(side))
    else:
        write_images(root, 3, (270, 256), 0)
    run = train(load_config(preset, tiny(**SMALL, **{"data.path": str(root)})), tmp_path / "run", progress=False)
    assert (run / "samples/final.png").is_file() and (run / "checkpoints/latest.ckpt").is_file()
