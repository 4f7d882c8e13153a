"""benchmarks/step_time.py: the CPU time of a preset's training step, as a user's command runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "step_time.py"


def test_it_prints_the_cpu_seconds_of_a_tiny_preset_step():
    command = [sys.executable, str(SCRIPT), "dcgan-digits", "model.g.width=8", "model.d.width=8", "train.batch_size=8",
               "--steps", "2", "--warmup", "1"]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout
    match = re.search(r"dcgan-digits model.g.width=8 .*: (\d+\.\d+) CPU-s per step \(batch 8, 32 px, mean of 2 after 1\)", out)
    assert match and float(match[1]) > 0
