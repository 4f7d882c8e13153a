"""Each task's preset trains 20 steps in 2 processes started through torchrun (`--nproc 2`).

A task with its own preset joins by one line in PRESETS.
"""

import json
import math
import subprocess
import sys

import pytest
import torch
from launch_helpers import as_cli, tiny, tiny_overrides

STEPS = 20
# Evaluation during training every 10 steps, its FID extraction split over both processes.
IMAGE_EVAL = {"eval.features": "digits", "eval.n": 64, "eval.metrics": "[fid]"}
TRANSLATION_EVAL = {"eval.metrics": "[cycle_psnr,fid]"}  # held-out test images; shapes features
PRESETS = {
    # task: (preset, overrides, a check of each evaluation record)
    "conditional": ("cdcgan-digits", {**tiny_overrides(), **IMAGE_EVAL}, lambda e: e["protocol"]["n_fake"] == 64),
    "cyclegan": ("cyclegan-shapes", {**tiny(), **TRANSLATION_EVAL}, lambda e: e["cycle_psnr"] > 0),
    "nicegan": ("nicegan-shapes", {**tiny(), **TRANSLATION_EVAL}, lambda e: e["cycle_psnr"] > 0 and 0 <= e["shape_kept_a"] <= 1),
    "cut": ("cut-shapes", {**tiny(), "eval.metrics": "[fid]"}, lambda e: e["fid"] > 0 and 0 <= e["target_colour_a"] <= 1),
}


@pytest.mark.parametrize("task", sorted(PRESETS))
def test_preset_trains_under_torchrun(task, tmp_path):
    preset, settings, evaluated = PRESETS[task]
    run = tmp_path / "run"
    overrides = {**settings, "train.steps": STEPS, "train.batch_size": 8, "ckpt.every": 10, "eval.every": 10}
    command = [sys.executable, "-m", "ganforge", "train", preset, *as_cli(overrides),
               "--run-dir", str(run), "--no-progress", "--nproc", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "starting 2 processes: torchrun --standalone --nproc-per-node=2 -m ganforge train" in done.stderr
    records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == list(range(1, STEPS + 1))  # written by one process only
    assert all(math.isfinite(r["d_loss"]) and math.isfinite(r["g_loss"]) for r in records)
    checkpoint = torch.load(run / "checkpoints/latest.ckpt", weights_only=True)
    assert checkpoint["task"] == task and checkpoint["step"] == STEPS and checkpoint["world_size"] == 2
    assert (run / "samples/final.png").is_file()
    evaluations = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [e["step"] for e in evaluations] == [10, 20] and all(e["fid"] > 0 for e in evaluations)
    assert all(evaluated(e) for e in evaluations)
    assert (run / "checkpoints/best.ckpt").is_file()
