"""CUDA paths (AMP bf16/fp16, channels_last): run where a GPU exists, skipped elsewhere."""

import json
import math

import pytest
import torch
from helpers import tiny_overrides

from ganforge.config import load_config
from ganforge.training.loop import train

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.mark.parametrize("amp", ["bf16", "fp16", "off"])
@pytest.mark.parametrize("preset", ["dcgan-digits", "sngan-shapes"])
def test_cuda_amp_training_is_finite(preset, amp, tmp_path):
    overrides = tiny_overrides(**{"train.steps": 4, "train.device": "cuda", "train.amp": amp,
                                  "loss.r1_gamma": 1.0, "loss.r1_every": 2,
                                  "augment.diffaugment": ["color", "translation", "cutout"]})
    run = train(load_config(preset, overrides), tmp_path / "run", progress=False)
    records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert len(records) == 4
    assert all(math.isfinite(r["d_loss"]) and math.isfinite(r["g_loss"]) for r in records)


def test_cuda_checkpoint_loads_on_cpu(tmp_path):
    import ganforge

    overrides = tiny_overrides(**{"train.steps": 2, "train.device": "cuda"})
    run = train(load_config("dcgan-digits", overrides), tmp_path / "run", progress=False)
    images = ganforge.sample(ganforge.load_generator(run), n=4, seed=0)
    assert images.device.type == "cpu" and images.shape == (4, 1, 32, 32)
