"""Checkpoints and exports written by the first release (format 1, unconditional) still load,
sample the same images, export, and resume training."""

import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import ganforge
from ganforge.config import load_config
from ganforge.runs import load_checkpoint
from ganforge.training.loop import train

FIXTURE = Path(__file__).parents[1] / "fixtures" / "format1"
EXPECTED = load_file(FIXTURE / "expected.safetensors")  # sampled by the first release, seed 3


@pytest.fixture
def old_run(tmp_path):
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    shutil.copy(FIXTURE / "latest.ckpt", run / "checkpoints" / "latest.ckpt")
    shutil.copy(FIXTURE / "config.yaml", run / "config.yaml")
    return run


def test_format1_checkpoint_is_upgraded_on_load(old_run):
    state = load_checkpoint(old_run / "checkpoints" / "latest.ckpt")
    assert state["format"] == "ganforge-checkpoint/2" and state["task"] == "unconditional"
    assert set(state["networks"]) == {"G", "D"} and set(state["ema"]) == {"G"}


@pytest.mark.parametrize("ema", [True, False])
def test_format1_checkpoint_samples_the_same_images(old_run, ema):
    generator = ganforge.load_generator(old_run, ema=ema)
    assert torch.equal(ganforge.sample(generator, 4, seed=3), EXPECTED["ema" if ema else "raw"])


def test_format1_export_loads_and_samples_the_same_images(tmp_path):
    for name in ("G.safetensors", "G.json"):
        shutil.copy(FIXTURE / name, tmp_path / name)
    generator = ganforge.load_generator(tmp_path / "G.safetensors")
    assert torch.equal(ganforge.sample(generator, 4, seed=3), EXPECTED["ema"])


def test_format1_checkpoint_exports_in_the_current_format(old_run, tmp_path):
    weights, meta = ganforge.export(old_run, tmp_path / "new.safetensors")
    assert '"ganforge-generator/2"' in meta.read_text()
    assert torch.equal(ganforge.sample(ganforge.load_generator(weights), 4, seed=3), EXPECTED["ema"])


def test_format1_run_resumes_training(old_run):
    config = load_config(old_run / "config.yaml", {"train.steps": 5, "train.ema.decay": 0.995})
    train(config, old_run, resume=True, progress=False)
    state = load_checkpoint(old_run / "checkpoints" / "latest.ckpt")
    assert state["step"] == 5 and state["format"] == "ganforge-checkpoint/2"
