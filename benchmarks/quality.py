"""Quality per CPU-minute, as users meet it: the folder preset with its default settings,
trained for a fixed wall time on built-in digits, scored over time with the digits evaluator's
FID for the default sample (EMA weights) and for the raw generator.

    python benchmarks/quality.py [--minutes 10] [--every 60] [--preset dcgan-folder-64] [--markdown]

Evaluation time is not counted in the training budget. The EMA must never be worse than raw.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import torch

import ganforge
from ganforge.config import load_config
from ganforge.training.loop import train

N_EVAL = 1000


def _fid(generator) -> float:
    return ganforge.evaluate(fake=generator, real="builtin:digits", metrics=["fid"], features="digits",
                             n=N_EVAL, cache=True)["fid"]


class Clock:
    """Step hook: every `every` seconds of training, score EMA and raw; stop at the budget."""

    def __init__(self, minutes: float, every: float):
        self.budget, self.every = minutes * 60, every
        self.trained = 0.0
        self.last = time.perf_counter()
        self.next_eval = every
        self.rows: list[tuple[float, int, float, float]] = []

    def __call__(self, state, run_dir, logger) -> None:
        now = time.perf_counter()
        self.trained += now - self.last
        if self.trained >= self.next_eval or self.trained >= self.budget:
            ema = state.sampled_network.eval()
            raw = state.networks[state.objective.sampled]
            raw_mode = raw.training
            raw.eval()
            self.rows.append((self.trained / 60, state.step, _fid(ema), _fid(raw)))
            raw.train(raw_mode)
            print(f"{self.rows[-1][0]:6.2f} min  step {state.step:6d}  FID ema {self.rows[-1][2]:8.3f}"
                  f"  raw {self.rows[-1][3]:8.3f}", flush=True)
            self.next_eval += self.every
            if self.trained >= self.budget:
                state.config.train.steps = state.step  # ends the loop after this step
        self.last = time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=60.0, help="seconds of training between scores")
    parser.add_argument("--preset", default="dcgan-folder-64")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    config = load_config(args.preset, {"data.path": "builtin:digits", "train.steps": 10**9, "ckpt.every": 10**9,
                                       "train.sample_every": 10**9})
    clock = Clock(args.minutes, args.every)
    with tempfile.TemporaryDirectory() as tmp:
        train(config, Path(tmp) / "run", progress=False, step_hook=clock)
    command = f"python benchmarks/quality.py --minutes {args.minutes:g} --every {args.every:g} --preset {args.preset}"
    print(f"\n{command}\n{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads,"
          f" torch {torch.__version__}; digits-evaluator FID, {N_EVAL} generated vs builtin:digits")
    print("| training minutes | step | FID (EMA, default sample) | FID (raw G) |")
    print("|---:|---:|---:|---:|")
    for minutes, step, ema, raw in clock.rows:
        print(f"| {minutes:.1f} | {step} | {ema:.2f} | {raw:.2f} |")


if __name__ == "__main__":
    main()
