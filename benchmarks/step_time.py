"""CPU time of one training step of a preset, one thread: `process_time` over `--steps` steps
after `--warmup` (the first steps allocate and pick kernels). Optimiser, augmentation, EMA and
every loss term run as in training; no logging, checkpoints or samples.

    python benchmarks/step_time.py projected-folder-64 data.path=builtin:digits [--steps 15] [--warmup 5]

To compare two versions, run it from each checkout on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

from ganforge.config import load_config
from ganforge.rng import seed_everything
from ganforge.training.state import build_state
from ganforge.training.step import train_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset")
    parser.add_argument("overrides", nargs="*", help="key=value config overrides")
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = load_config(args.preset, args.overrides)
    seed_everything(config.seed)
    state = build_state(config)
    for _ in range(args.warmup):
        train_step(state)
    start = time.process_time()
    for _ in range(args.steps):
        train_step(state)
    per_step = (time.process_time() - start) / args.steps
    print(f"{platform.machine()}, torch {torch.__version__}, one thread; {args.preset} {' '.join(args.overrides)}: "
          f"{per_step:.3f} CPU-s per step (batch {state.config.train.batch_size}, {state.config.data.resolution} px, "
          f"mean of {args.steps} after {args.warmup})")


if __name__ == "__main__":
    main()
