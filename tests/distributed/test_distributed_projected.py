"""The projected preset in real processes with the real EfficientNet-Lite0 weights: two processes
through torchrun, and SIGTERM (checkpoint, exit 0) then resume. Skips, saying why, where the
weights are not installed (`make weights`)."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import torch
from launch_helpers import as_cli, tiny_overrides

from ganforge.pretrained.efficientnet_weights import WEIGHTS_ENV

OVERRIDES = tiny_overrides(**{"data.path": "builtin:digits", "data.max_resolution": 32, "ckpt.every": 5})


def _env(weights) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", WEIGHTS_ENV: str(weights)}


def _train(run, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ganforge", "train", "projected-folder-64", *as_cli(OVERRIDES), *extra,
            "--run-dir", str(run), "--no-progress"]  # fmt: skip


def test_projected_preset_trains_under_torchrun(real_efficientnet, tmp_path):
    run = tmp_path / "run"
    done = subprocess.run(_train(run, "train.steps=6", "--nproc", "2"), env=_env(real_efficientnet),
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == list(range(1, 7))
    assert all(math.isfinite(r["d_loss"]) and math.isfinite(r["g_loss"]) for r in records)
    checkpoint = torch.load(run / "checkpoints/latest.ckpt", weights_only=True)
    assert checkpoint["world_size"] == 2 and checkpoint["step"] == 6


def test_sigterm_saves_and_exits_then_resume_finishes(real_efficientnet, tmp_path):
    run = tmp_path / "run"
    process = subprocess.Popen(_train(run, "train.steps=400"), env=_env(real_efficientnet),
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        if (run / "log.jsonl").exists() and sum(1 for _ in (run / "log.jsonl").open()) >= 3:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0 and "SIGTERM received" in stderr, stderr[-2000:]
    saved = torch.load(run / "checkpoints/latest.ckpt", weights_only=True)["step"]
    assert 3 <= saved < 400
    done = subprocess.run(_train(run, f"train.steps={saved + 2}", "--resume"), env=_env(real_efficientnet),
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert torch.load(run / "checkpoints/latest.ckpt", weights_only=True)["step"] == saved + 2
