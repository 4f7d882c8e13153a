"""The whole-program speed comparison: its reference program and how it reads both programs' output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from train_speed import ganforge_steps, loop_rate, reference_steps  # noqa: E402


def test_ganforge_steps_reads_the_stop_step_and_the_progress_lines():
    lines = [(31.0, "step 20/20000 (0%) 0.7 step/s d_loss=1.2"), (61.5, "step 41/20000 (0%) 0.7 step/s"),
             (62.0, "ganforge: SIGTERM received: checkpoint saved at step 42; continue with --resume"),
             (62.1, "step 42/20000 (0%) 0.7 step/s")]
    steps, progress = ganforge_steps(lines)
    assert steps == 42
    assert progress == [(31.0, 20), (61.5, 41), (62.1, 42)]
    assert loop_rate(progress) == pytest.approx(22 / 31.1)


def test_ganforge_steps_is_zero_when_stopped_before_the_loop():
    assert ganforge_steps([(5.0, "data: /x images=10 skipped=0")]) == (0, [])


def test_reference_steps_counts_iteration_lines_only():
    lines = [(10.0, "[0/25][0/125] Loss_D: 1.3 Loss_G: 2.0 D(x): 0.5 D(G(z)): 0.5 / 0.4"), (10.5, "other output"),
             (12.0, "[0/25][1/125] Loss_D: 1.1 Loss_G: 2.2 D(x): 0.6 D(G(z)): 0.4 / 0.3"),
             (14.0, "[0/25][2/125] Loss_D: 1.0 Loss_G: 2.4 D(x): 0.6 D(G(z)): 0.4 / 0.3")]
    steps, progress = reference_steps(lines)
    assert steps == 3
    assert loop_rate(progress) == pytest.approx(2 / 4.0)
    assert loop_rate(progress[:1]) is None


def test_reference_program_trains_one_iteration_and_writes_samples(tmp_path):
    folder = tmp_path / "images" / "a"
    folder.mkdir(parents=True)
    for k in range(3):
        Image.new("L", (20, 20), color=40 * k).save(folder / f"{k}.png")
    out = tmp_path / "out"
    out.mkdir()
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "reference_dcgan.py"), "--dataroot", str(tmp_path / "images"),
         "--workers", "0", "--batchSize", "2", "--ngf", "4", "--ndf", "4", "--seconds", "0", "--outf", str(out),
         "--manualSeed", "1"],
        capture_output=True, text=True, timeout=120, env={"OMP_NUM_THREADS": "1", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert reference_steps([(0.0, line) for line in lines])[0] == 1  # --seconds 0: stops after one iteration
    summary = json.loads(lines[-1])
    assert summary["steps"] == 1 and summary["images"] == 2
    assert (out / "real_samples.png").exists() and (out / "fake_samples_epoch_000.png").exists()
